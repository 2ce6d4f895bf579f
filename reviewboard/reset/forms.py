"""The "forgot password" and "set a new password" forms."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.auth.passwords import MAX_LENGTH, MIN_LENGTH
from reviewboard.core.forms import AppForm


class ForgotForm(AppForm):
    email = EmailField("Your e-mail", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send me a reset link")


class ResetForm(AppForm):
    token = HiddenField(validators=[DataRequired(), Length(max=100)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
                                 description=f"{MIN_LENGTH} to {MAX_LENGTH} characters; a passphrase works well.")
    submit = SubmitField("Set my password")
