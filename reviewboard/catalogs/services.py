"""Importing catalog versions. An imported version is immutable; a change is a new version."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.catalogs.models import Catalog, Criterion
from reviewboard.catalogs.permissions import can_import_catalog
from reviewboard.catalogs.schema import CatalogError, CatalogSpec, load_catalog_file, parse_catalog
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.core.language import translated
from reviewboard.extensions import db

log = logging.getLogger("reviewboard.catalogs")


def find_catalog(key: str, version: str) -> Catalog | None:
    return db.session.scalar(select(Catalog).where(Catalog.key == key, Catalog.version == version))


def latest_catalog(key: str | None = None) -> Catalog | None:
    stmt = select(Catalog).order_by(Catalog.imported_at.desc(), Catalog.id.desc()).limit(1)
    if key:
        stmt = stmt.where(Catalog.key == key)
    return db.session.scalar(stmt)


@dataclass(frozen=True)
class ReferenceText:
    """One framework reference of a criterion, its label in one language."""

    framework: str
    ref: str
    verified: bool


@dataclass(frozen=True)
class CriterionText:
    """A criterion of an imported catalog as a page shows it in one language: its texts already in that language
    (English where a text has no translation), its rules as stored. Reads like a :class:`Criterion` for templates
    and forms; it is no database row (no relationships, not in the session)."""

    id: int
    code: str
    stage_code: str
    title: str
    question: str
    guidance: str
    evidence_types: tuple[str, ...]
    tiers: tuple[str, ...]
    applicability: str
    refs: tuple[ReferenceText, ...]
    deprecated: bool

    def applies_to(self, tier: str) -> bool:
        return not self.deprecated and tier in self.tiers


def criteria_texts(catalog: Catalog, language: str) -> tuple[CriterionText, ...]:
    """``catalog``'s criteria in order, in ``language``: read and translated once per process, catalog version and
    language.

    An imported catalog is never edited (a change is a new version), so its criteria read the same on every
    request: the stage page shows them from these copies instead of reading every criterion of the catalog (and
    decoding their JSON texts) and translating each text on each request. Keyed by the catalog's id, source digest
    and import time, so a catalog id used again (a rolled-back import in a test database) never finds another's."""
    cache = current_app.extensions.setdefault("reviewboard.criteria_texts", {})
    key = (catalog.id, catalog.source_sha256, catalog.imported_at, language)
    found = cache.get(key)
    if found is None:
        found = cache[key] = tuple(CriterionText(
            id=c.id, code=c.code, stage_code=c.stage_code, title=translated(c, "title", language),
            question=translated(c, "question", language), guidance=translated(c, "guidance", language),
            evidence_types=tuple(translated(c, "evidence_types", language) or ()), tiers=tuple(c.tiers or ()),
            applicability=c.applicability, deprecated=c.deprecated,
            refs=tuple(ReferenceText(r.get("framework", ""), translated(r, "ref", language), bool(r.get("verified")))
                       for r in c.refs or ())) for c in catalog.criteria)
    return found


def version_key(version: str) -> tuple:
    """Sort key for version strings: numeric parts compare as numbers ("1.10.0" after "1.9.0")."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-+]", version))


def catalog_versions(key: str) -> list[Catalog]:
    """Every imported version of ``key``, oldest version first."""
    found = db.session.scalars(select(Catalog).where(Catalog.key == key)).all()
    return sorted(found, key=lambda c: (version_key(c.version), c.id))


def catalogs_by_key() -> dict[str, list[Catalog]]:
    """Imported catalogs grouped by key (sorted), each key's versions newest first."""
    out: dict[str, list[Catalog]] = {}
    for catalog in db.session.scalars(select(Catalog).order_by(Catalog.key)).all():
        out.setdefault(catalog.key, []).append(catalog)
    return {k: sorted(v, key=lambda c: (version_key(c.version), c.id), reverse=True) for k, v in out.items()}


def check_successor(spec: CatalogSpec) -> list[str]:
    """Problems with ``spec`` as a later version of catalogs already imported under its key.

    Codes are permanent: every code of an earlier version must still be present (deprecated if it is
    retired), and a code keeps its stage. Returns messages, each with a line number where one exists.
    """
    problems: list[tuple[int, str]] = []
    new_key = version_key(spec.version)
    by_code = {c.id: c for c in spec.criteria}
    dropped: dict[str, str] = {}
    for earlier in catalog_versions(spec.key):
        if version_key(earlier.version) >= new_key:
            continue
        for c in earlier.criteria:
            mine = by_code.get(c.code)
            if mine is None:
                dropped.setdefault(c.code, earlier.version)
            elif mine.stage != c.stage_code:
                problems.append((mine.line, _("line %(line)s: criterion %(code)s was stage %(stage)s in version "
                                              "%(version)s; a code may not be reused for another stage (add a "
                                              "new code instead)", line=mine.line, code=c.code,
                                              stage=c.stage_code, version=earlier.version)))
    for code, version in sorted(dropped.items()):
        problems.append((spec.criteria_line, _("line %(line)s: criterion %(code)s (present in version %(version)s) "
                                               "is missing; codes are never removed or renumbered: keep it and "
                                               "mark it `deprecated: true` instead", line=spec.criteria_line,
                                               code=code, version=version)))
    return [message for _, message in sorted(problems, key=lambda p: p[0])]


def import_catalog(actor, spec: CatalogSpec) -> tuple[Catalog, bool]:
    """Store ``spec`` as a new catalog version. Returns (catalog, created).

    Importing the same bytes again is a no-op; the same key and version with different content is
    refused, because a published version never changes. A later version that drops or moves a code of
    an earlier one raises CatalogError (see :func:`check_successor`).
    """
    existing = find_catalog(spec.key, spec.version)
    if existing is not None:
        if existing.source_sha256 == spec.sha256:
            return existing, False
        raise ServiceError(_("Catalog %(key)s version %(version)s already exists with different content; "
                             "publish the change as a new version.", key=spec.key, version=spec.version))
    problems = check_successor(spec)
    if problems:
        raise CatalogError(problems)
    catalog = Catalog(key=spec.key, name=spec.name, version=spec.version, description=spec.description,
                      source_sha256=spec.sha256, translations=spec.translations)
    db.session.add(catalog)
    for position, c in enumerate(spec.criteria, start=1):
        catalog.criteria.append(Criterion(
            code=c.id, stage_code=c.stage, position=position, title=c.title, question=c.question,
            guidance=c.guidance, evidence_types=list(c.evidence_types), tiers=list(c.tiers),
            applicability=c.applicability, deprecated=c.deprecated, translations=c.translations,
            refs=[{"framework": r.framework, "ref": r.ref, "verified": r.verified,
                   **({"translations": r.translations} if r.translations else {})} for r in c.refs]))
    db.session.flush()
    record_event(actor, "catalog.imported", "catalog", catalog.id,
                 after={"key": spec.key, "version": spec.version, "criteria": len(spec.criteria),
                        "sha256": spec.sha256})
    log.info("catalog imported key=%s version=%s criteria=%s", spec.key, spec.version, len(spec.criteria))
    return catalog, True


def import_catalog_file(actor, path: Path) -> tuple[Catalog, bool]:
    spec = load_catalog_file(path)
    try:
        return import_catalog(actor, spec)
    except CatalogError as exc:
        raise CatalogError(exc.errors, source=str(path)) from None


def upload_catalog(actor, data: bytes) -> tuple[Catalog, bool]:
    """A chair imports a catalog version from an uploaded file. Raises NotPermitted, CatalogError or
    ServiceError (see :func:`import_catalog`)."""
    if not can_import_catalog(actor):
        raise NotPermitted(_("Only a committee chair can import a catalog version."))
    return import_catalog(actor, parse_catalog(data))
