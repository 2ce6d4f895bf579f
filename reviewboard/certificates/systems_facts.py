"""What a certificate reads from the system register (reviewboard.systems, reviewboard.registration): the
version to certify, its artifacts and the registration duties with their filings. Kept in one place, so the
certificate code depends on those packages through these three functions only."""

from __future__ import annotations

from sqlalchemy import select

from reviewboard.extensions import db
from reviewboard.registration.models import Filing
from reviewboard.systems.services import current_version


def version_to_certify(project):
    """The project's current system version, or None when it has none."""
    return current_version(project)


def artifacts_of(version) -> list:
    return list(version.artifacts)


def _evaluated(project) -> list[dict]:
    """The duties last evaluated for the project (reviewboard.registration keeps them on the project as
    ``{"duties": [{"code", "reasons"}], ...}``), tolerating the plain list form."""
    stored = project.registration_duties or {}
    duties = stored.get("duties", []) if isinstance(stored, dict) else stored
    return [d for d in duties if isinstance(d, dict) and d.get("code")]


def registration_duties(project) -> list[dict]:
    """Each duty with the reasons that raised it and its current filing (the newest; None while not filed)."""
    filings = {}
    for filing in db.session.scalars(select(Filing).where(Filing.project_id == project.id)
                                     .order_by(Filing.created_at, Filing.id)):
        filings[filing.duty_code] = filing  # the newest wins
    found = []
    for duty in _evaluated(project):
        filing = filings.get(duty["code"])
        found.append({"code": duty["code"], "title": duty.get("title") or duty["code"],
                      "reasons": [str(r.get("text", r)) if isinstance(r, dict) else str(r)
                                  for r in duty.get("reasons") or []],
                      "filing": None if filing is None else {"authority": filing.authority,
                                                             "reference": filing.reference,
                                                             "date": filing.filed_on.isoformat()}})
    return found
