"""The review workflow's words in the reader's language: stage states, outcomes and verdicts. The enums' own
labels (reviews/workflow.py) stay English, because records, exports and the audit trail print them; pages show
``_(state.label)``, which finds the translations declared here."""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from reviewboard.committee.signing_roles import DELEGATE_OF, role_parts
from reviewboard.core.language import current_language, translated
from reviewboard.pipelines.labels import EXPERTISE_NAMES, expertise_name
from reviewboard.reviews.workflow import Outcome, Refusal, StageState, VerdictValue, signature_meaning

STATES = {StageState.LOCKED: _l("Locked"), StageState.DRAFT: _l("Draft"), StageState.IN_REVIEW: _l("In review"),
          StageState.CHANGES_REQUESTED: _l("Changes requested"), StageState.APPROVED: _l("Approved"),
          StageState.APPROVED_WITH_CONDITIONS: _l("Approved with conditions"), StageState.REJECTED: _l("Rejected")}
OUTCOMES = {Outcome.APPROVE: _l("Approve"), Outcome.APPROVE_WITH_CONDITIONS: _l("Approve with conditions"),
            Outcome.REQUEST_CHANGES: _l("Request changes"), Outcome.REJECT: _l("Reject")}
# a signature's outcome as its meaning states it ("Approved as ...")
SIGNED_OUTCOMES = {Outcome.APPROVE: STATES[StageState.APPROVED],
                   Outcome.APPROVE_WITH_CONDITIONS: STATES[StageState.APPROVED_WITH_CONDITIONS],
                   Outcome.REQUEST_CHANGES: STATES[StageState.CHANGES_REQUESTED],
                   Outcome.REJECT: STATES[StageState.REJECTED]}
VERDICTS = {VerdictValue.MEETS: _l("Meets"), VerdictValue.PARTIALLY_MEETS: _l("Partially meets"),
            VerdictValue.DOES_NOT_MEET: _l("Does not meet"), VerdictValue.NOT_APPLICABLE: _l("Not applicable")}


# reviews/signatures.py's reasons, as the stage page words a signature's status
SIGNATURE_REASONS = (_l("the signed content does not match its hash"), _l("the signed content is unreadable"),
                     _l("the signature belongs to another record or round"),
                     _l("the signer, outcome or meaning differ from what was signed"),
                     _l("the submission changed after it was signed"),
                     _l("the signer's verdicts changed after signing"),
                     _l("superseded by round %(round)s"), _l("intact: bound to this record, round and content"))


def signature_status_words(status) -> str:
    """Why a signature is valid, superseded or invalid (signatures.SignatureStatus), in the reader's language."""
    return gettext(status.message, **status.values)


def refusal_words(reason: str) -> str:
    """A workflow guard's reason (workflow.Refusal) in the reader's language; any other text as it is."""
    if isinstance(reason, Refusal):
        return gettext(reason.message, **reason.values)
    return reason


def _expertise_list(expertise: list[str]) -> str:
    return format_list([expertise_name(e) for e in expertise], locale=get_locale() or "en")


def role_title_words(role_title: str) -> str:
    """A signature's role (committee.services.signing_role: "Committee chair and legal reviewer", "Delegate of
    Ava Away") in the reader's language, rebuilt from its parts, read back by the form that composed it
    (committee/signing_roles.py). The signed English stays what it is (English readers see it unchanged); a title
    not in that form is shown as it was signed."""
    if current_language() == "en":
        return role_title
    if role_title.startswith(DELEGATE_OF):
        return gettext("Delegate of %(name)s", name=role_title[len(DELEGATE_OF):])
    parts = role_parts(role_title, EXPERTISE_NAMES)
    if parts is None:
        return role_title
    chair, expertise = parts
    if not expertise:
        return gettext("Committee chair") if chair else gettext("Ethics reviewer")
    if chair:
        return gettext("Committee chair and %(expertise)s reviewer", expertise=_expertise_list(expertise))
    return gettext("%(expertise)s reviewer", expertise=_expertise_list(expertise))


def example_meaning_words(role_title: str, stage) -> str:
    """The stage page's example of what a signature will mean ("Approved as ethics reviewer, stage Design"), in
    the reader's language as signature_meaning_words shows a signed one."""
    if current_language() == "en":
        return signature_meaning(Outcome.APPROVE, role_title, stage.name)
    return gettext("%(outcome)s as %(role)s, stage %(stage)s", outcome=str(SIGNED_OUTCOMES[Outcome.APPROVE]),
                   role=role_title_words(role_title), stage=translated(stage, "name"))


def signature_meaning_words(signoff) -> str:
    """What a sign-off's signature means ("Approved as ethics reviewer, stage Design") in the reader's
    language, rebuilt from its outcome, role and stage. The signed text (``signoff.meaning``, part of what
    was signed and of the audit trail) is unchanged, and is what English readers see; a meaning not in the
    form workflow.signature_meaning composes is shown as it was signed."""
    if current_language() == "en":
        return signoff.meaning
    stage = signoff.round.stage_review
    head = signature_meaning(signoff.outcome, signoff.role_title, "")
    if not signoff.meaning.startswith(head):
        return signoff.meaning
    signed_stage = signoff.meaning[len(head):]
    shown_stage = translated(stage, "name") if signed_stage == stage.name else signed_stage
    return gettext("%(outcome)s as %(role)s, stage %(stage)s", outcome=str(SIGNED_OUTCOMES[signoff.outcome]),
                   role=role_title_words(signoff.role_title), stage=shown_stage)
