"""Versions of a project's AI system and its retirement. Services flush; the caller's boundary commits.

A version whose artifacts differ from the previous version's is a material change: the re-review rules
(reviewboard/rereview/data/rules.yaml, field ``artifacts``) reopen the stages they name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.models.base import iso, utcnow
from reviewboard.projects.models import Project
from reviewboard.systems import permissions as perms
from reviewboard.systems.digests import InvalidDigest, parse_digest
from reviewboard.systems.models import ARTIFACT_KINDS, Artifact, SystemVersion

__all__ = ["ArtifactInput", "InvalidDigest", "add_version", "current_version", "on_system_retired",
           "newest_versions", "parse_digest", "versions_of"]

log = logging.getLogger("reviewboard.systems")

LABEL_MAX, NAME_MAX = 80, 255
RETIREMENT_STAGE = "RET"  # approving the stage with this code retires the system (reviews.lifecycle)


@dataclass(frozen=True)
class ArtifactInput:
    """An artifact as given: ``line`` (optional) is where it was typed, for the error message."""

    kind: str
    name: str
    digest: str
    line: int | None = None


def _as_input(item) -> ArtifactInput:
    if isinstance(item, ArtifactInput):
        return item
    if isinstance(item, Mapping):
        return ArtifactInput(str(item.get("kind") or ""), str(item.get("name") or ""), str(item.get("digest") or ""),
                             item.get("line"))
    kind, name, digest = item
    return ArtifactInput(kind, name, digest)


def _checked_artifacts(artifacts: Iterable) -> list[tuple[str, str, str]]:
    """(kind, name, normalised digest) for each artifact; raises ServiceError(field="artifacts") naming the
    artifact (its line when given) and what is wrong with it."""
    checked: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(artifacts):
        a = _as_input(item)
        where = _("Line %(num)d", num=a.line) if a.line else _("Artifact %(num)d", num=index + 1)
        kind, name = a.kind.strip().lower(), " ".join(a.name.split())
        if kind not in ARTIFACT_KINDS:
            raise ServiceError(_("%(where)s: the kind '%(kind)s' is not one of %(kinds)s.", where=where,
                                 kind=a.kind.strip(), kinds=", ".join(ARTIFACT_KINDS)), "artifacts")
        if not name:
            raise ServiceError(_("%(where)s: give the artifact's name (a file name or image reference).", where=where),
                               "artifacts")
        if len(name) > NAME_MAX:
            raise ServiceError(_("%(where)s: the name is longer than %(num)d characters.", where=where, num=NAME_MAX),
                               "artifacts")
        try:
            digest = parse_digest(a.digest)
        except InvalidDigest as exc:
            raise InvalidDigest(f"{where}: {exc.message}") from None
        if (kind, name) in seen:
            raise ServiceError(_("%(where)s: the %(kind)s '%(name)s' is listed twice.", where=where, kind=kind,
                                 name=name), "artifacts")
        seen.add((kind, name))
        checked.append((kind, name, digest))
    if not checked:
        raise ServiceError(_("List at least one artifact (a model file, container image or dataset) with its "
                           "digest."), "artifacts")
    return checked


def versions_of(project: Project) -> list[SystemVersion]:
    """The project's versions, newest first."""
    return list(db.session.scalars(select(SystemVersion).where(SystemVersion.project_id == project.id)
                                   .order_by(SystemVersion.created_at.desc(), SystemVersion.id.desc())))


def newest_versions(project: Project, limit: int) -> list[SystemVersion]:
    """The project's ``limit`` newest versions, newest first, each with its author's name and its artifacts (the
    project page's table: two statements, however many versions)."""
    return list(db.session.scalars(_newest_versions(), {"project_id": project.id, "limit": limit}))


@cache
def _newest_versions():  # built once a process: building it cost more calls than reading it
    return (select(SystemVersion).where(SystemVersion.project_id == bindparam("project_id"))
            .order_by(SystemVersion.created_at.desc(), SystemVersion.id.desc()).limit(bindparam("limit"))
            .options(joinedload(SystemVersion.created_by).load_only(User.id, User.name)))


def current_version(project: Project) -> SystemVersion | None:
    """The newest version, or None when the project has none yet."""
    return db.session.scalar(select(SystemVersion).where(SystemVersion.project_id == project.id)
                             .order_by(SystemVersion.created_at.desc(), SystemVersion.id.desc()).limit(1))


def version_state(version: SystemVersion) -> dict:
    """A version as audited and printed in records."""
    return {"id": version.id, "label": version.label, "release_notes": version.release_notes,
            "material_change": version.material_change, "created_at": iso(version.created_at),
            "created_by": version.created_by.name if version.created_by else None,
            "artifacts": [{"kind": a.kind, "name": a.name, "digest": a.digest} for a in version.artifacts]}


def add_version(actor, project: Project, label: str, release_notes: str, artifacts: Iterable) -> SystemVersion:
    """Record a new version of the project's system with its artifacts (kind, name, digest each: an
    :class:`ArtifactInput`, a mapping or a tuple). Digests are normalised (:func:`parse_digest`).

    Raises NotPermitted; ServiceError with ``field`` "label" (empty, too long, already used) or "artifacts"
    (none, unknown kind, missing name, malformed digest: :class:`InvalidDigest`, listed twice). When the
    artifacts differ from the previous version's, the version is a material change and the re-review rules
    reopen the stages they name."""
    if not perms.can_add_version(actor, project):
        raise NotPermitted(_("Only the project's members can add a version, and not once the system is retired."))
    label = " ".join((label or "").split())
    if not label:
        raise ServiceError(_("Give the version a label, such as 1.2.0."), "label")
    if len(label) > LABEL_MAX:
        raise ServiceError(_("A version label has at most %(num)d characters.", num=LABEL_MAX), "label")
    checked = _checked_artifacts(artifacts)
    if db.session.scalar(select(SystemVersion.id).where(SystemVersion.project_id == project.id,
                                                       SystemVersion.label == label)) is not None:
        raise ServiceError(_("This system already has a version %(label)s; give the new one another label.",
                             label=label), "label")
    previous = current_version(project)
    material = previous is not None and previous.artifact_set() != frozenset(checked)
    version = SystemVersion(project_id=project.id, label=label, release_notes=(release_notes or "").strip(),
                            material_change=material, created_by_id=actor.id, created_at=utcnow())
    version.artifacts = [Artifact(kind=k, name=n, digest=d) for k, n, d in checked]
    db.session.add(version)
    db.session.flush()
    record_event(actor, "system.version_added", "project", project.id,
                 after={"version": label, "version_id": version.id, "material_change": material,
                        "previous_version": previous.label if previous else None,
                        "artifacts": [{"kind": k, "name": n, "digest": d} for k, n, d in checked]})
    log.info("project %s version %s added by %s (material change: %s)", project.id, label, actor.id, material)
    if material:
        # imported here: records (which print versions) sit below the review lifecycle that rereview drives
        from reviewboard.rereview.services import after_project_change

        after_project_change(actor, project, ["artifacts"])
    return version


def on_system_retired(actor, project: Project) -> None:
    """The Retirement stage was approved: the system is closed (no new version, filing or edit; its periodic
    reviews stop). Called by the stage lifecycle in the deciding transaction; other capabilities (the
    certificate's revocation) hook in here. Flushes; idempotent."""
    if project.retired_at is not None:
        return
    project.retired_at = utcnow()
    db.session.flush()
    record_event(actor, "system.retired", "project", project.id, before={"retired_at": None},
                 after={"retired_at": iso(project.retired_at),
                        "version": (v.label if (v := current_version(project)) else None)})
    for stage in project.stages:  # a retired system is reviewed no more
        if stage.next_review_on is not None:
            before, stage.next_review_on = stage.next_review_on, None
            db.session.flush()
            record_event(actor, "stage.next_review_scheduled", "stage_review", stage.id,
                         before={"next_review_on": before.isoformat()},
                         after={"next_review_on": None, "reason": "the system was retired"})
    log.info("project %s: system retired", project.id)
    from reviewboard.certificates.status import refresh_project  # certificates read the system register

    refresh_project(actor, project)  # a retired system's certificates are revoked
