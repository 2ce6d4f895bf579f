"""The review form: a verdict and rationale per applicable criterion, then a signed decision."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from reviewboard.models.base import utcnow
from reviewboard.reviews.labels import OUTCOMES, VERDICTS
from reviewboard.reviews.workflow import Outcome, VerdictValue

VERDICT_CHOICES = [(v.value, VERDICTS[v]) for v in VerdictValue]
OUTCOME_CHOICES = [(o.value, OUTCOMES[o]) for o in Outcome]


class ConditionForm(Form):
    class Meta(CleanTextMeta):
        pass

    text = StringField(_l("Condition"), validators=[Optional(), Length(max=1000)])
    owner_id = SelectField(_l("Owner"), coerce=int, validate_choice=False, validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])


def _decision_fields() -> dict:
    """The decision's fields, made after the criteria's so that they come after them in the form's order
    (the order of the page, which the error summary follows)."""
    return {
        "outcome": RadioField(_l("Your decision"), choices=OUTCOME_CHOICES, validators=[Optional()]),
        "comment": TextAreaField(_l("Comment to the submitter (optional)"),
                                 validators=[Optional(), Length(max=LONG_TEXT)]),
        "reopen_all": BooleanField(_l("Reopen every criterion for the next round (when requesting changes)")),
        "conditions": FieldList(FormField(ConditionForm), min_entries=3, max_entries=10),
        "email": EmailField(_l("Your e-mail"), validators=[Optional(), Length(max=254)]),
        "password": PasswordField(_l("Your password (required to sign)"), validators=[Optional(), Length(max=128)]),
        "mfa_code": StringField(_l("Current code from your authenticator app"), validators=[Optional(), Length(max=12)],
                                render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        "save": SubmitField(_l("Save verdicts")),
        "sign": SubmitField(_l("Sign decision")),
    }


class DecisionFields:

    def check(self, criteria, *, signing: bool, email: str | None, saved: set[int] = frozenset(),
              password: bool = True, mfa: bool = False) -> bool:
        """Mark every missing item at once, beside its field (not one per submission): a rationale for each
        verdict but “Meets”; when signing, also a verdict on each criterion, the decision, the e-mail (when
        ``email`` is asked for), the password, a current authenticator code (with ``mfa``) and, with “Approve
        with conditions”, at least one condition,
        each with an owner and a due date to come. ``saved``: the criteria (ids) on which the reviewer's
        verdict is already recorded (carried over from the last round, say). ``password`` False: the signer
        proves who they are at the identity provider instead (SSO). Returns whether nothing is missing."""
        ok = True

        def missing(field, message: str) -> None:
            nonlocal ok
            field.errors = [*field.errors, message]
            ok = False

        for c in criteria:
            verdict, rationale = self[f"v_{c.id}"], self[f"r_{c.id}"]
            if verdict.data and VerdictValue(verdict.data).needs_rationale and not (rationale.data or "").strip():
                missing(rationale, _("Give a rationale for anything but “Meets”."))
            elif signing and not verdict.data and c.id not in saved:
                missing(verdict, _("Choose a verdict on %(code)s before signing.", code=c.code))
        if not signing:
            return ok
        if not self.outcome.data:
            missing(self.outcome, _("Choose your decision."))
        if email is not None and (self.email.data or "").strip().lower() != email:
            missing(self.email, _("Enter your e-mail as well as your password: the first signature of a session "
                                "needs both."))
        if password and not self.password.data:
            missing(self.password, _("Enter your password to sign."))
        if mfa and not (self.mfa_code.data or "").strip():
            missing(self.mfa_code, _("Enter the code your authenticator app shows now: two-step verification is on."))
        if self.outcome.data != Outcome.APPROVE_WITH_CONDITIONS.value:
            return ok  # conditions go with that decision only; any typed for another are left out
        given = [entry for entry in self.conditions if (entry.text.data or "").strip()]
        for entry in given:
            if not entry.owner_id.data:
                missing(entry.owner_id, _("Choose who owns this condition."))
            if not entry.due_date.data:
                missing(entry.due_date, _("Give this condition a due date."))
            elif entry.due_date.data <= utcnow().date():
                missing(entry.due_date, _("A condition's due date must be in the future."))
        if not given:
            missing(self.conditions[0].text, _("Add at least one condition, with an owner and a due date."))
        return ok


def review_form_class(criteria):
    """A form class with one verdict radio and rationale box per criterion (ids are stable per stage)."""
    attrs = {}
    for c in criteria:
        attrs[f"v_{c.id}"] = RadioField(c.code, choices=VERDICT_CHOICES, validators=[Optional()])
        attrs[f"r_{c.id}"] = TextAreaField(_l("Rationale for %(code)s", code=c.code),
                                           validators=[Optional(), Length(max=LONG_TEXT)])
        attrs[f"reopen_{c.id}"] = BooleanField(_l("Reopen %(code)s if I request changes", code=c.code))
    return type("ReviewForm", (DecisionFields, AppForm), {**attrs, **_decision_fields()})


class AssignForm(AppForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Assign"))
