"""Forms of the second step of sign-in and of the two-step verification settings."""

from __future__ import annotations

from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.auth.passwords import MAX_LENGTH
from reviewboard.core.forms import AppForm

_CODE_ATTRS = {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}


class SignInCodeForm(AppForm):
    code = StringField("Code from your authenticator app, or a recovery code",
                       validators=[DataRequired(), Length(max=40)], render_kw=_CODE_ATTRS)
    submit = SubmitField("Continue")


class ConfirmCodeForm(AppForm):
    code = StringField("Code shown by the app", validators=[DataRequired(), Length(max=12)],
                       render_kw={**_CODE_ATTRS, "inputmode": "numeric"})
    submit = SubmitField("Turn on two-step verification")


class RegenerateForm(AppForm):
    code = StringField("Current code from your authenticator app", validators=[DataRequired(), Length(max=12)],
                       render_kw={**_CODE_ATTRS, "inputmode": "numeric"})
    submit = SubmitField("Make new recovery codes")


class DisableForm(AppForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    code = StringField("Code from your authenticator app, or a recovery code",
                       validators=[DataRequired(), Length(max=40)], render_kw=_CODE_ATTRS)
    submit = SubmitField("Turn off two-step verification")


class StartForm(AppForm):
    submit = SubmitField("Set up an authenticator app")
