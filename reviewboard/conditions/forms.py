"""Answering a condition (note + evidence file) and a reviewer's close / reopen with a note."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import LONG_TEXT


class RespondForm(AppForm):
    note = TextAreaField("How the condition is met", validators=[DataRequired(message="Say how the condition is met."),
                                                                 Length(max=LONG_TEXT)])
    criterion_id = SelectField("Criterion the evidence supports", coerce=int,
                               validators=[DataRequired(message="Choose a criterion.")])
    file = FileField("Evidence file", validators=[FileRequired(message="Choose a file to upload.")])
    submit = SubmitField("Mark as fulfilled")


class CloseForm(AppForm):
    close_note = TextAreaField("Why the condition is met", validators=[
        DataRequired(message="Say why the condition is met (or waived)."), Length(max=LONG_TEXT)])
    close = SubmitField("Close condition")


class ReopenForm(AppForm):
    reopen_note = TextAreaField("What is still missing", validators=[
        DataRequired(message="Say what is still missing."), Length(max=LONG_TEXT)])
    reopen = SubmitField("Reopen condition")
