"""The account page's form for a new personal access token. Shape only; the service checks the rules."""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import SHORT_TEXT

LIFETIMES = [("30d", "30 days"), ("7d", "7 days"), ("90d", "90 days"), ("366d", "One year")]


class TokenForm(AppForm):
    name = StringField("What uses it", validators=[DataRequired(), Length(max=SHORT_TEXT)],
                       description="For example: “CI of the triage model”.")
    scope = RadioField("Scope", default="read", validators=[DataRequired()], choices=[
        ("read", "read: read what you can see"),
        ("submit", "submit: also register projects, attach evidence and submit stages"),
        ("admin", "admin: also a chair's settings")])
    expires = SelectField("Expires after", choices=LIFETIMES, default="30d")
    submit = SubmitField("Create token")
