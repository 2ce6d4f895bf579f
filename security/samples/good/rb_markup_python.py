# Good: escape, don't mark safe (rule rb-markup-python must stay quiet).
from markupsafe import Markup, escape


def rationale_text(review):
    # ok: rb-markup-python
    return escape(review.rationale)


def static_icon():
    # A reviewed exception: a constant with no user data, suppressed with a reason.
    # ok: rb-markup-python
    return Markup("<svg aria-hidden='true'></svg>")  # nosemgrep: rb-markup-python - constant, no user data
