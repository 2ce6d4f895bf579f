"""A chair lists a system on the public register (with the description the public reads) or withdraws it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from reviewboard.core.forms import AppForm


class ListingForm(AppForm):
    public_description = TextAreaField(
        "Public description", validators=[Length(max=2000)],
        description=_l("What the public reads about the system. Write it for the public: nothing from the review "
                    "is shown."))
    list_system = SubmitField(_l("List on the public register"))
    withdraw = SubmitField(_l("Withdraw from the register"))
