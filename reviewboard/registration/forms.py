"""The form that records a filing for one registration duty."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from reviewboard.core.forms import AppForm


class FilingForm(AppForm):
    authority = StringField(_l("Authority"),
                            validators=[DataRequired(message=_l("Name the authority.")), Length(max=200)])
    reference = StringField(_l("Reference number"), validators=[
        DataRequired(message=_l("Give the reference the authority issued.")), Length(max=200)],
        description=_l("The filing, registration or notification number the authority issued."))
    filed_on = DateField(_l("Filed on"),
                         validators=[InputRequired(message=_l("Give the date of the filing (YYYY-MM-DD)."))])
    file = FileField(_l("Evidence (receipt or confirmation)"),
                     validators=[FileRequired(message=_l("Choose a file to upload."))])
    submit = SubmitField(_l("Record filing"))
