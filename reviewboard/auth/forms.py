"""Sign-in, password and account forms. Forms check shape; services check rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget

from reviewboard.auth.models import Role
from reviewboard.auth.passwords import MAX_LENGTH, MIN_LENGTH
from reviewboard.core.forms import AppForm

# Role.title in the reader's language (templates: ``_(role.title)``); Role.title itself stays English for
# records and the audit trail
ROLE_TITLES = {Role.SUBMITTER: _l("Submitter"), Role.REVIEWER: _l("Ethics reviewer"),
               Role.CHAIR: _l("Committee chair"), Role.AUDITOR: _l("Auditor"), None: _l("No role")}


class LoginForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                                  Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                          Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(AppForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
                                 description=_l("%(min)d to %(max)d characters; a passphrase works well.",
                                                min=MIN_LENGTH, max=MAX_LENGTH))
    submit = SubmitField(_l("Change password"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CreateUserForm(AppForm):
    name = StringField(_l("Full name (printed on signatures)"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    roles = MultiCheckboxField(_l("Roles"), choices=[(r.value, ROLE_TITLES[r]) for r in Role],
                               validators=[DataRequired(message=_l("Choose at least one role."))])
    password = PasswordField(_l("Initial password"),
                             validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)])
    submit = SubmitField(_l("Create account"))


class ConfirmForm(AppForm):
    """An empty form: CSRF token plus a button, for POST-only actions."""

    submit = SubmitField(_l("Confirm"))
