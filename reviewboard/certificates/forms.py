"""A chair's revocation: a reason and an explicit confirmation."""

from __future__ import annotations

from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import LONG_TEXT


class RevokeForm(AppForm):
    reason = TextAreaField("Why the certificate is revoked", validators=[
        DataRequired(message="Say why the certificate is revoked."), Length(max=LONG_TEXT)])
    confirm = BooleanField("I understand that a revocation is final: the status list will say revoked, and a "
                           "deployment gate will refuse this certificate from its next check.",
                           validators=[DataRequired(message="Tick the box to confirm the revocation.")])
    submit = SubmitField("Revoke certificate")
