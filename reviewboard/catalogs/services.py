"""Importing catalog versions. An imported version is immutable; a change is a new version."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.catalogs.models import Catalog, Criterion
from reviewboard.catalogs.schema import CatalogSpec, load_catalog_file
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db


def find_catalog(key: str, version: str) -> Catalog | None:
    return db.session.scalar(select(Catalog).where(Catalog.key == key, Catalog.version == version))


def latest_catalog(key: str | None = None) -> Catalog | None:
    stmt = select(Catalog).order_by(Catalog.imported_at.desc(), Catalog.id.desc()).limit(1)
    if key:
        stmt = stmt.where(Catalog.key == key)
    return db.session.scalar(stmt)


def import_catalog(actor, spec: CatalogSpec) -> tuple[Catalog, bool]:
    """Store ``spec`` as a new catalog version. Returns (catalog, created).

    Importing the same bytes again is a no-op; the same key and version with different content is
    refused, because a published version never changes.
    """
    existing = find_catalog(spec.key, spec.version)
    if existing is not None:
        if existing.source_sha256 == spec.sha256:
            return existing, False
        raise ServiceError(f"Catalog {spec.key} version {spec.version} already exists with different content; "
                           "publish the change as a new version.")
    catalog = Catalog(key=spec.key, name=spec.name, version=spec.version, description=spec.description,
                      source_sha256=spec.sha256)
    db.session.add(catalog)
    for position, c in enumerate(spec.criteria, start=1):
        catalog.criteria.append(Criterion(
            code=c.id, stage_code=c.stage, position=position, title=c.title, question=c.question,
            guidance=c.guidance, evidence_types=list(c.evidence_types), tiers=list(c.tiers),
            applicability=c.applicability, deprecated=c.deprecated,
            refs=[{"framework": r.framework, "ref": r.ref, "verified": r.verified} for r in c.refs]))
    db.session.flush()
    record_event(actor, "catalog.imported", "catalog", catalog.id,
                 after={"key": spec.key, "version": spec.version, "criteria": len(spec.criteria),
                        "sha256": spec.sha256})
    return catalog, True


def import_catalog_file(actor, path: Path) -> tuple[Catalog, bool]:
    return import_catalog(actor, load_catalog_file(path))
