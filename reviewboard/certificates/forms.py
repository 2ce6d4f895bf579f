"""A chair's revocation: a reason and an explicit confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import LONG_TEXT


class RevokeForm(AppForm):
    reason = TextAreaField(_l("Why the certificate is revoked"), validators=[
        DataRequired(message=_l("Say why the certificate is revoked.")), Length(max=LONG_TEXT)])
    confirm = BooleanField(_l("I understand that a revocation is final: the status list will say revoked, and a "
                              "deployment gate will refuse this certificate from its next check."),
                           validators=[DataRequired(message=_l("Tick the box to confirm the revocation."))])
    submit = SubmitField(_l("Revoke certificate"))
