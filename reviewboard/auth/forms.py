"""Sign-in, password and account forms. Forms check shape; services check rules."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget

from reviewboard.auth.models import Role
from reviewboard.auth.passwords import MAX_LENGTH, MIN_LENGTH
from reviewboard.core.forms import AppForm


class LoginForm(AppForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Sign in")


class ChangePasswordForm(AppForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
                                 description=f"{MIN_LENGTH} to {MAX_LENGTH} characters; a passphrase works well.")
    submit = SubmitField("Change password")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CreateUserForm(AppForm):
    name = StringField("Full name (printed on signatures)", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    roles = MultiCheckboxField("Roles", choices=[(r.value, r.title) for r in Role],
                               validators=[DataRequired(message="Choose at least one role.")])
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)])
    submit = SubmitField("Create account")


class ConfirmForm(AppForm):
    """An empty form: CSRF token plus a button, for POST-only actions."""

    submit = SubmitField("Confirm")
