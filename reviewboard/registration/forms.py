"""The form that records a filing for one registration duty."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from reviewboard.core.forms import AppForm


class FilingForm(AppForm):
    authority = StringField("Authority", validators=[DataRequired(message="Name the authority."), Length(max=200)])
    reference = StringField("Reference number", validators=[
        DataRequired(message="Give the reference the authority issued."), Length(max=200)],
        description="The filing, registration or notification number the authority issued.")
    filed_on = DateField("Filed on", validators=[InputRequired(message="Give the date of the filing (YYYY-MM-DD).")])
    file = FileField("Evidence (receipt or confirmation)",
                     validators=[FileRequired(message="Choose a file to upload.")])
    submit = SubmitField("Record filing")
