"""The "forgot password" and "set a new password" forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.auth.passwords import MAX_LENGTH, MIN_LENGTH
from reviewboard.core.forms import AppForm


class ForgotForm(AppForm):
    email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetForm(AppForm):
    token = HiddenField(validators=[DataRequired(), Length(max=100)])
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
                                 description=_l("%(min)d to %(max)d characters; a passphrase works well.",
                                                min=MIN_LENGTH, max=MAX_LENGTH))
    submit = SubmitField(_l("Set my password"))
