# Bad: Markup marks user text as safe HTML (rule rb-markup-python).
import flask
import markupsafe
from markupsafe import Markup


def rationale_html(review):
    # ruleid: rb-markup-python
    return Markup(f"<p>{review.rationale}</p>")


def name_html(project):
    # ruleid: rb-markup-python
    return markupsafe.Markup("<b>%s</b>" % project.name)


def title_html(project):
    # ruleid: rb-markup-python
    return flask.Markup(project.title)
