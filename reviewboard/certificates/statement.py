"""What a certificate says: the in-toto Statement v1 about a system version's artifacts.

Subject: the version's artifacts ({name, digest: {sha256}}). Predicate (:data:`PREDICATE_TYPE`): the system,
version and tier, its registration duties with their filing references, each certified stage's outcome with
its record id and record file SHA-256, the open conditions with their due dates, issued_at, valid_until (the
next re-review date) and the issuer; a renewal (an approved Operation review) also names the certificate
it supersedes. Built from the database in the job that issues the certificate.
"""

from __future__ import annotations

from datetime import date

from flask import current_app

from reviewboard.models.base import iso
from reviewboard.projects.tiering import review_tier
from reviewboard.records.keys import fingerprint
from reviewboard.rereview.rules import load_rules
from reviewboard.reviews.lifecycle import add_months

from .gate import PREDICATE_TYPE, STATEMENT_TYPE

# when neither the project nor the rules give the next review: the certificate lasts a year
DEFAULT_VALID_MONTHS = 12


def public_id(project_id: int, record_id: int) -> str:
    return f"RBC-{project_id:06d}-{record_id}"


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def status_url(cert_public_id: str) -> str:
    return public_url(f"/c/{cert_public_id}")


def status_list_url() -> str:
    return public_url("/certificates/status-list.json")


def valid_until(project, decided_on: date) -> date:
    """The next re-review date: the project's next periodic review when one is scheduled after the decision,
    else the decision date plus the Operation stage's interval for the tier (rules), else a year."""
    scheduled = project.next_review_on
    if scheduled is not None and scheduled > decided_on:
        return scheduled
    months = (load_rules().recurrence.get("OPS") or {}).get(review_tier(project.tier))
    return add_months(decided_on, int(months) if months else DEFAULT_VALID_MONTHS)


def subjects(artifacts) -> list[dict]:
    """in-toto subjects of the artifacts (digests stored as ``sha256:<hex>``)."""
    found = []
    for artifact in artifacts:
        algorithm, _, value = artifact.digest.partition(":")
        found.append({"name": artifact.name, "digest": {algorithm: value}})
    return found


def stage_outcomes(stages, dep_record) -> list[dict]:
    outcomes = []
    for stage in stages:
        record = dep_record if stage.id == dep_record.stage_review_id else (
            stage.records[-1] if stage.records else None)
        outcomes.append({"code": stage.code, "name": stage.name, "outcome": stage.state.value,
                         "decided_at": iso(stage.decided_at),
                         "record_id": f"{record.public_id} v{record.version}" if record else None,
                         "record_file_sha256": record.pdf_sha256 if record else None})
    return outcomes


def open_conditions(stages) -> list[dict]:
    return [{"stage": stage.code, "text": c.text, "due_date": c.due_date.isoformat(), "status": c.status}
            for stage in stages for c in stage.conditions if not c.is_closed]


def build_statement(*, cert_public_id: str, project, version, artifacts, duties: list[dict], stages, dep_record,
                    issued_at, until: date, seal_der: bytes, subject: list | None = None,
                    supersedes: str | None = None) -> dict:
    """``subject`` and ``supersedes`` are a renewal's: the previous certificate's subjects and its id."""
    body = {
        "_type": STATEMENT_TYPE,
        "subject": subject if subject is not None else subjects(artifacts),
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "certificate_id": cert_public_id,
            "system": {"id": project.id, "name": project.name},
            "version": {"id": version.id, "label": version.label},
            "tier": project.tier,
            "registration": duties,
            "stages": stage_outcomes(stages, dep_record),
            "open_conditions": open_conditions(stages),
            "issued_at": iso(issued_at),
            "valid_until": until.isoformat(),
            "issuer": {"organisation": current_app.config["ORGANISATION_NAME"],
                       "seal_certificate_sha256": fingerprint(seal_der),
                       "status_url": status_url(cert_public_id), "status_list_url": status_list_url()},
        },
    }
    if supersedes is not None:
        body["predicate"]["supersedes"] = supersedes
    return body
