"""The comment form. The stage page writes its fields by hand (several composers share a page, and they
sit inside the review form, so they point at their own form elements with ``form=``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewboard.comments.models import Visibility
from reviewboard.comments.services import MAX_BODY
from reviewboard.core.forms import AppForm


class CommentForm(AppForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(message=_l("Write a comment first.")),
                                                Length(max=MAX_BODY)])
    visibility = RadioField(_l("Who can see it"), choices=[(v.value, v.label) for v in Visibility],
                            validators=[DataRequired(message=_l("Choose who can see the comment."))])
