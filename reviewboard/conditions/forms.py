"""Answering a condition (note + evidence file) and a reviewer's close / reopen with a note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import LONG_TEXT


class RespondForm(AppForm):
    note = TextAreaField(_l("How the condition is met"),
                         validators=[DataRequired(message=_l("Say how the condition is met.")), Length(max=LONG_TEXT)])
    criterion_id = SelectField(_l("Criterion the evidence supports"), coerce=int,
                               validators=[DataRequired(message=_l("Choose a criterion."))])
    file = FileField(_l("Evidence file"), validators=[FileRequired(message=_l("Choose a file to upload."))])
    submit = SubmitField(_l("Mark as fulfilled"))


class CloseForm(AppForm):
    close_note = TextAreaField(_l("Why the condition is met"), validators=[
        DataRequired(message=_l("Say why the condition is met (or waived).")), Length(max=LONG_TEXT)])
    close = SubmitField(_l("Close condition"))


class ReopenForm(AppForm):
    reopen_note = TextAreaField(_l("What is still missing"), validators=[
        DataRequired(message=_l("Say what is still missing.")), Length(max=LONG_TEXT)])
    reopen = SubmitField(_l("Reopen condition"))
