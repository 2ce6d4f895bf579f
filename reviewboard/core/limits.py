"""Text limits every form and service states and enforces (documented in the README).

Not settings: a name is stored in a 200-character column, so a larger limit would fail in the database.
"""

SHORT_TEXT = 200  # names and titles
LONG_TEXT = 5000  # descriptions, rationales, notes and comments
