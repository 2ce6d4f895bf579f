"""Checking an electronic signature against what it signed (21 CFR 11.70: signatures cannot be
excised, copied or transferred).

A sign-off stores the canonical JSON it signed and that JSON's SHA-256. It is **valid** only while the
stored hash matches the stored content, the content names this sign-off's stage review, round, signer,
outcome and meaning, and the round's snapshot and the signer's verdicts are still what was signed. A
signature on an earlier round is **superseded** by the resubmission that followed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from reviewboard.audit.services import canonical


@dataclass(frozen=True)
class SignatureStatus:
    state: str  # valid | superseded | invalid
    message: str  # English, with %(name)s values: pages word it in the reader's language (reviews/labels.py)
    values: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The reason in English, as the API and the logs give it."""
        return self.message % self.values if self.values else self.message

    @property
    def valid(self) -> bool:
        return self.state == "valid"


def check_signoff(signoff, codes: Mapping[int, str] | None = None) -> SignatureStatus:
    """``codes``: criterion codes by id, when the caller has them (the stage page, from its catalog's criteria as
    read once per process); a criterion not among them is read from its verdict."""
    if hashlib.sha256(signoff.signed_content.encode()).hexdigest() != signoff.content_sha256:
        return SignatureStatus("invalid", "the signed content does not match its hash")
    try:
        signed = json.loads(signoff.signed_content)
    except ValueError:
        return SignatureStatus("invalid", "the signed content is unreadable")
    round_ = signoff.round
    stage = round_.stage_review
    if (signed.get("stage_review_id") != stage.id or signed.get("round") != round_.number
            or signed.get("project_id") != stage.project_id):
        return SignatureStatus("invalid", "the signature belongs to another record or round")
    if (signed.get("signer", {}).get("id") != signoff.reviewer_id or signed.get("outcome") != signoff.outcome.value
            or signed.get("meaning") != signoff.meaning):
        return SignatureStatus("invalid", "the signer, outcome or meaning differ from what was signed")
    if signed.get("snapshot_sha256") != hashlib.sha256(canonical(round_.snapshot).encode()).hexdigest():
        return SignatureStatus("invalid", "the submission changed after it was signed")
    codes = codes or {}
    verdicts = sorted([codes.get(v.criterion_id) or v.criterion.code, v.value.value, v.rationale]
                      for v in round_.verdicts if v.reviewer_id == signoff.reviewer_id)
    if verdicts != signed.get("verdicts"):
        return SignatureStatus("invalid", "the signer's verdicts changed after signing")
    if round_.number != stage.round_number:
        return SignatureStatus("superseded", "superseded by round %(round)s", {"round": stage.round_number})
    return SignatureStatus("valid", "intact: bound to this record, round and content")
