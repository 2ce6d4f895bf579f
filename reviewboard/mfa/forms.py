"""Forms of the second step of sign-in and of the two-step verification settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.auth.passwords import MAX_LENGTH
from reviewboard.core.forms import AppForm

_CODE_ATTRS = {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}


class SignInCodeForm(AppForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=40)], render_kw=_CODE_ATTRS)
    submit = SubmitField(_l("Continue"))


class ConfirmCodeForm(AppForm):
    code = StringField(_l("Code shown by the app"), validators=[DataRequired(), Length(max=12)],
                       render_kw={**_CODE_ATTRS, "inputmode": "numeric"})
    submit = SubmitField(_l("Turn on two-step verification"))


class RegenerateForm(AppForm):
    code = StringField(_l("Current code from your authenticator app"), validators=[DataRequired(), Length(max=12)],
                       render_kw={**_CODE_ATTRS, "inputmode": "numeric"})
    submit = SubmitField(_l("Make new recovery codes"))


class DisableForm(AppForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=40)], render_kw=_CODE_ATTRS)
    submit = SubmitField(_l("Turn off two-step verification"))


class StartForm(AppForm):
    submit = SubmitField(_l("Set up an authenticator app"))
