"""A stage's review, read only: its rounds with each reviewer's verdicts, the signed sign-offs and the decision.

Who reads what follows the stage page (reviewboard.reviews.permissions.can_read_review): a reviewer who has not
declared their conflicts for the round reads nothing, and one who may still sign reads only their own verdicts
on the current round. Signing is not offered here: it needs the signer's password in the browser.
"""

from __future__ import annotations

from flask import abort
from marshmallow import Schema, fields

from reviewboard.api.blueprint import api_user, bp, requires
from reviewboard.api.loading import load
from reviewboard.projects import permissions as project_perms
from reviewboard.reviews import permissions as perms
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.signatures import check_signoff
from reviewboard.tokens.models import Scope


class VerdictOut(Schema):
    criterion = fields.String(required=True, attribute="criterion.code")
    reviewer = fields.String(required=True, attribute="reviewer.name")
    on_behalf_of = fields.String(allow_none=True, attribute="on_behalf_of.name")
    value = fields.Function(lambda v: v.value.value, required=True,
                            metadata={"description": "meets, partially_meets, does_not_meet or not_applicable"})
    rationale = fields.String(required=True)
    reopen = fields.Boolean(required=True, metadata={"description": "Asked to re-examine it in the next round"})
    carried_over = fields.Boolean(required=True, metadata={"description": "Copied from the previous round"})
    updated_at = fields.DateTime(required=True)


class SignatureOut(Schema):
    state = fields.String(required=True, metadata={"description": "valid, superseded or invalid"})
    reason = fields.String(required=True)


class SignOffOut(Schema):
    reviewer = fields.String(required=True, attribute="reviewer.name")
    on_behalf_of = fields.String(allow_none=True, attribute="on_behalf_of.name")
    printed_name = fields.String(required=True)
    role_title = fields.String(required=True)
    meaning = fields.String(required=True)
    outcome = fields.Function(lambda s: s.outcome.value, required=True,
                              metadata={"description": "approve, approve_with_conditions, request_changes or reject"})
    comment = fields.String(required=True)
    signed_at = fields.DateTime(required=True)
    content_sha256 = fields.String(required=True, metadata={"description": "SHA-256 of the content signed"})
    signature = fields.Function(lambda s: SignatureOut().dump(check_signoff(s)), required=True,
                                metadata={"description": "The signature checked against what was signed"})


class RoundOut(Schema):
    number = fields.Integer(required=True)
    submitted_at = fields.DateTime(required=True)
    submitted_by = fields.String(required=True, attribute="submitted_by.name")
    note = fields.String(required=True)
    outcome = fields.Function(lambda r: r.outcome.value if r.outcome else None, allow_none=True,
                              metadata={"description": "The decision on this round; null while undecided"})
    decided_at = fields.DateTime(allow_none=True)
    verdicts = fields.List(fields.Nested(VerdictOut), required=True)
    signoffs = fields.List(fields.Nested(SignOffOut), required=True)


class RoundView:
    """A round as the token's person may read it (their own verdicts only while they may still sign it)."""

    def __init__(self, round_, own_only_of: int | None):
        self._round = round_
        self.verdicts = [v for v in round_.verdicts if own_only_of is None or v.reviewer_id == own_only_of]

    def __getattr__(self, name):
        return getattr(self._round, name)


@bp.get("/stages/<int:stage_id>/rounds")
@bp.doc(tags=["Reviewing"], summary="The stage's submission rounds with verdicts, sign-offs and decisions (read only)",
        description="Signing a decision is not possible through the API: it needs the signer's password in the "
                    "browser. A reviewer of the current round reads it after declaring their conflicts of "
                    "interest on the stage page, and sees only their own verdicts until they have signed.")
@bp.response(200, RoundOut(many=True))
@requires(Scope.READ, 404)
def list_rounds(stage_id: int):
    user = api_user()
    stage = load(StageReview, stage_id, project_perms.can_view_stage)
    if not perms.can_read_review(user, stage):
        abort(403, "Declare your conflicts of interest on the stage page before reading its review.")
    own_only = perms.sees_only_own_verdicts(user, stage)
    current = stage.current_round
    return [RoundView(r, user.id if own_only and r is current else None) for r in stage.rounds]
