"""The AI system a project describes: its versions, their artifacts (by digest), and its retirement."""
