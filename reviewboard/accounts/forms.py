"""Account forms. Forms check shape; reviewboard/accounts/services.py checks the rules."""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewboard.auth.forms import MultiCheckboxField
from reviewboard.auth.models import LANGUAGES, Role
from reviewboard.core.forms import AppForm


class RolesForm(AppForm):
    roles = MultiCheckboxField("Roles", choices=[(r.value, r.title) for r in Role],
                               validators=[DataRequired(message="Choose at least one role.")])
    reason = TextAreaField("Reason for the change", validators=[DataRequired(message="Say why the roles change."),
                                                                Length(max=500)],
                           description="Kept in the audit trail with the change.")
    submit = SubmitField("Change roles")


class ProfileForm(AppForm):
    name = StringField("Full name (printed on your signatures)", validators=[DataRequired(), Length(max=200)])
    language = SelectField("Language", choices=list(LANGUAGES.items()),
                           description="The language of the pages, as translations become available.")
    digest = RadioField("Daily digest by e-mail", choices=[("on", "Send me the daily digest"),
                                                           ("off", "Do not send it")], default="on")
    submit = SubmitField("Save profile")
