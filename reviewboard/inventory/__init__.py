"""The AI inventory: every AI system a person may see, with where each stands in its review."""
