"""Account forms. Forms check shape; reviewboard/accounts/services.py checks the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewboard.auth.forms import ROLE_TITLES, MultiCheckboxField
from reviewboard.auth.models import Role
from reviewboard.core.forms import AppForm
from reviewboard.i18n.languages import LANGUAGES


class RolesForm(AppForm):
    roles = MultiCheckboxField(_l("Roles"), choices=[(r.value, ROLE_TITLES[r]) for r in Role],
                               validators=[DataRequired(message=_l("Choose at least one role."))])
    reason = TextAreaField(_l("Reason for the change"),
                           validators=[DataRequired(message=_l("Say why the roles change.")), Length(max=500)],
                           description=_l("Kept in the audit trail with the change."))
    submit = SubmitField(_l("Change roles"))


class ProfileForm(AppForm):
    name = StringField(_l("Full name (printed on your signatures)"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=[("", _l("As my browser asks")), *LANGUAGES.items()],
                           description=_l("The language of the pages, the e-mails and the messages you see."))
    # its help names the organisation's zone (templates/accounts/profile.html)
    time_zone = StringField(_l("Time zone"), validators=[Length(max=64)])
    digest = RadioField(_l("Daily digest by e-mail"), choices=[("on", _l("Send me the daily digest")),
                                                               ("off", _l("Do not send it"))], default="on")
    submit = SubmitField(_l("Save profile"))
