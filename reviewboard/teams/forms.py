"""Team forms. Forms check shape; reviewboard/teams/services.py checks the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.core.forms import AppForm
from reviewboard.teams.services import ROLE_TITLES

ROLE_CHOICES = [(role, title) for role, title in ROLE_TITLES.items()]


class AddMemberForm(AppForm):
    email = EmailField(_l("E-mail of the person"), validators=[DataRequired(), Length(max=254)],
                       description=_l("They need an account; an administrator creates accounts."))
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="contributor",
                       description=_l("Owners manage the team; contributors edit, attach evidence, submit and "
                                   "answer conditions; viewers only read."))
    submit = SubmitField(_l("Add to the team"))


class MemberRoleForm(AppForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    submit = SubmitField(_l("Change role"))


class RemoveMemberForm(AppForm):
    submit = SubmitField(_l("Remove from the team"))
