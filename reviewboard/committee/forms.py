"""Forms: the conflict-of-interest declaration, a delegation, and the confirmation of proposed reviewers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from reviewboard.core.forms import AppForm
from reviewboard.pipelines.labels import EXPERTISE_CHOICES
from reviewboard.pipelines.models import EXPERTISE


class DeclarationForm(AppForm):
    conflict = RadioField(_l("Do you have a conflict of interest with this project or its team?"),
                          choices=[("no", _l("No conflict of interest")),
                                   ("yes", _l("I have a conflict of interest (I will be recused)"))],
                          validators=[DataRequired(message=_l("Choose one."))])
    nature = TextAreaField(_l("Nature of the conflict (required if you have one)"),
                           validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Declare"))


class LateConflictForm(AppForm):
    nature = TextAreaField(_l("Nature of the conflict"), validators=[
        DataRequired(message=_l("Say what the conflict is.")), Length(max=2000)])
    submit = SubmitField(_l("Declare the conflict and recuse me"))


class DelegationForm(AppForm):
    delegate_id = SelectField(_l("Delegate (an eligible reviewer)"), coerce=int, validators=[DataRequired()])
    starts_on = DateField(_l("Away from"), validators=[DataRequired()])
    ends_on = DateField(_l("Away until (inclusive)"), validators=[DataRequired()])
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Delegate my reviews"))


class ConfirmProposalForm(AppForm):
    # the service re-checks each person: the proposal may have changed since the page was shown
    reviewer_ids = SelectMultipleField(_l("Proposed reviewers"), coerce=int, validate_choice=False,
                                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                       validators=[DataRequired(message=_l("Tick at least one reviewer."))])
    submit = SubmitField(_l("Assign these reviewers"))


def expertise_choices() -> list[tuple[str, str]]:
    """The expertise a reviewer may bring, as (stored value, name in the reader's language)."""
    return [(w, str(EXPERTISE_CHOICES.get(w, w.capitalize()))) for w in EXPERTISE]


class ExpertiseForm(AppForm):
    expertise = SelectMultipleField(_l("Expertise"), widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput(), validators=[Optional()])
    submit = SubmitField(_l("Save expertise"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expertise.choices = expertise_choices()
