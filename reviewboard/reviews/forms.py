"""The review form: a verdict and rationale per applicable criterion, then a signed decision."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from reviewboard.core.forms import AppForm, CleanTextMeta
from reviewboard.core.limits import LONG_TEXT
from reviewboard.reviews.workflow import Outcome, VerdictValue

VERDICT_CHOICES = [(v.value, v.label) for v in VerdictValue]
OUTCOME_CHOICES = [(o.value, o.label) for o in Outcome]


class ConditionForm(Form):
    class Meta(CleanTextMeta):
        pass

    text = StringField("Condition", validators=[Optional(), Length(max=1000)])
    owner_id = SelectField("Owner", coerce=int, validate_choice=False, validators=[Optional()])
    due_date = DateField("Due date", validators=[Optional()])


class DecisionFields:
    outcome = RadioField("Your decision", choices=OUTCOME_CHOICES, validators=[Optional()])
    comment = TextAreaField("Comment to the submitter (optional)", validators=[Optional(), Length(max=LONG_TEXT)])
    reopen_all = BooleanField("Reopen every criterion for the next round (when requesting changes)")
    conditions = FieldList(FormField(ConditionForm), min_entries=3, max_entries=10)
    email = EmailField("Your e-mail", validators=[Optional(), Length(max=254)])
    password = PasswordField("Your password (required to sign)", validators=[Optional(), Length(max=128)])
    save = SubmitField("Save verdicts")
    sign = SubmitField("Sign decision")


def review_form_class(criteria):
    """A form class with one verdict radio and rationale box per criterion (ids are stable per stage)."""
    attrs = {}
    for c in criteria:
        attrs[f"v_{c.id}"] = RadioField(c.code, choices=VERDICT_CHOICES, validators=[Optional()])
        attrs[f"r_{c.id}"] = TextAreaField("Rationale", validators=[Optional(), Length(max=LONG_TEXT)])
        attrs[f"reopen_{c.id}"] = BooleanField(f"Reopen {c.code} if I request changes")
    return type("ReviewForm", (DecisionFields, AppForm), attrs)


class AssignForm(AppForm):
    reviewer_id = SelectField("Reviewer", coerce=int, validators=[DataRequired()])
    submit = SubmitField("Assign")
