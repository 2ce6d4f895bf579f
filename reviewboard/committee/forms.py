"""Forms: the conflict-of-interest declaration, a delegation, and the confirmation of proposed reviewers."""

from __future__ import annotations

from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from reviewboard.core.forms import AppForm
from reviewboard.pipelines.models import EXPERTISE


class DeclarationForm(AppForm):
    conflict = RadioField("Do you have a conflict of interest with this project or its team?",
                          choices=[("no", "No conflict of interest"),
                                   ("yes", "I have a conflict of interest (I will be recused)")],
                          validators=[DataRequired(message="Choose one.")])
    nature = TextAreaField("Nature of the conflict (required if you have one)",
                           validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Declare")


class LateConflictForm(AppForm):
    nature = TextAreaField("Nature of the conflict", validators=[
        DataRequired(message="Say what the conflict is."), Length(max=2000)])
    submit = SubmitField("Declare the conflict and recuse me")


class DelegationForm(AppForm):
    delegate_id = SelectField("Delegate (an eligible reviewer)", coerce=int, validators=[DataRequired()])
    starts_on = DateField("Away from", validators=[DataRequired()])
    ends_on = DateField("Away until (inclusive)", validators=[DataRequired()])
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Delegate my reviews")


class ConfirmProposalForm(AppForm):
    # the service re-checks each person: the proposal may have changed since the page was shown
    reviewer_ids = SelectMultipleField("Proposed reviewers", coerce=int, validate_choice=False,
                                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                       validators=[DataRequired(message="Tick at least one reviewer.")])
    submit = SubmitField("Assign these reviewers")


def expertise_choices() -> list[tuple[str, str]]:
    return [(w, w.capitalize()) for w in EXPERTISE]


class ExpertiseForm(AppForm):
    expertise = SelectMultipleField("Expertise", widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                    validators=[Optional()])
    submit = SubmitField("Save expertise")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expertise.choices = expertise_choices()
