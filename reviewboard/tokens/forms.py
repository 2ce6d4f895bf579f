"""The account page's form for a new personal access token. Shape only; the service checks the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import SHORT_TEXT

LIFETIMES = [("30d", _l("30 days")), ("7d", _l("7 days")), ("90d", _l("90 days")), ("366d", _l("One year"))]


class TokenForm(AppForm):
    name = StringField(_l("What uses it"), validators=[DataRequired(), Length(max=SHORT_TEXT)],
                       description=_l("For example: “CI of the triage model”."))
    scope = RadioField(_l("Scope"), default="read", validators=[DataRequired()], choices=[
        ("read", _l("read: read what you can see")),
        ("submit", _l("submit: also register projects, attach evidence and submit stages")),
        ("admin", _l("admin: also a chair's settings"))])
    expires = SelectField(_l("Expires after"), choices=LIFETIMES, default="30d")
    submit = SubmitField(_l("Create token"))
