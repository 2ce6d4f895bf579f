"""Listing a system on the public register, and what the register shows.

What the public sees is built here field by field from public facts only: the chair's public description,
the tier, the filing references and certificate as signed in the newest certificate's statement, and the
certificate's status and label. Nothing else about the project (its purpose text, evidence, verdicts,
comments, reviewers) is read, so none of it can leak (tests/functional/test_public_register.py checks).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.certificates.services import latest_certificate, statement_of
from reviewboard.certificates.statement import public_url, status_url
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.models.base import iso, utcnow

from .models import RegisterListing
from .permissions import can_manage_listing, register_enabled

MAX_DESCRIPTION = 2000


def listing_of(project) -> RegisterListing | None:
    return db.session.scalar(select(RegisterListing).where(RegisterListing.project_id == project.id))


def set_listing(actor, project, listed: bool, description: str = "") -> RegisterListing:
    """List (with a public description) or withdraw a system (flushes, audits). Raises NotPermitted for anyone
    but a chair, ServiceError for a listing without a description."""
    if not can_manage_listing(actor, project):
        raise NotPermitted("Only a chair lists a system on the public register.")
    description = " ".join((description or "").split())
    if listed and not description:
        raise ServiceError(_("Write the description the public will read."), field="public_description")
    if len(description) > MAX_DESCRIPTION:
        raise ServiceError(_("Keep the description under %(num)d characters.", num=MAX_DESCRIPTION),
                           field="public_description")
    listing = listing_of(project)
    before = None if listing is None else {"listed": listing.listed, "public_description": listing.public_description}
    if listing is None:
        listing = RegisterListing(project_id=project.id, public_description=description, listed=listed,
                                  changed_by_id=actor.id)
        db.session.add(listing)
    else:
        listing.listed = listed
        if description:
            listing.public_description = description
        listing.changed_by_id = actor.id
        listing.changed_at = utcnow()
    db.session.flush()
    record_event(actor, "register.listed" if listed else "register.withdrawn", "project", project.id, before=before,
                 after={"listed": listed, "public_description": listing.public_description})
    return listing


def entry(listing: RegisterListing) -> dict:
    """One system as the public sees it."""
    project = listing.project
    cert = latest_certificate(project)
    item = {"system": project.name, "description": listing.public_description, "tier": project.tier,
            "listed_since": iso(listing.changed_at), "certificate": None, "filings": []}
    if cert is not None:
        predicate = statement_of(cert)["predicate"]
        item["filings"] = [{"duty": d.get("title") or d.get("code"), "authority": d["filing"].get("authority"),
                            "reference": d["filing"].get("reference"), "date": d["filing"].get("date")}
                           for d in predicate.get("registration") or [] if d.get("filing")]
        item["certificate"] = {
            "id": cert.public_id, "status": cert.status, "version": predicate["version"]["label"],
            "issued_at": iso(cert.issued_at), "valid_until": cert.valid_until.isoformat(),
            "status_url": status_url(cert.public_id), "badge_url": public_url(f"/c/{cert.public_id}/badge.svg"),
            "label": f"Ethically reviewed: certificate {cert.public_id}, {cert.status}",
        }
    return item


def register_entries() -> list[dict]:
    """Every listed system, by name; none when the organisation turned the register off."""
    if not register_enabled():
        return []
    listings = db.session.scalars(select(RegisterListing).where(RegisterListing.listed.is_(True))).all()
    return sorted((entry(listing) for listing in listings), key=lambda e: e["system"].lower())


def is_listed(project) -> bool:
    listing = listing_of(project)
    return register_enabled() and listing is not None and listing.listed
