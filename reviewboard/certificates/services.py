"""Reading certificates: their statement, the ones a person may see, the public ones."""

from __future__ import annotations

import base64
import json

from sqlalchemy import select

from reviewboard.extensions import db
from reviewboard.projects.models import Project
from reviewboard.projects.permissions import visible_projects_query

from .models import Certificate


def statement_of(cert: Certificate) -> dict:
    """The in-toto statement inside the stored envelope (as signed)."""
    return json.loads(base64.b64decode(json.loads(cert.envelope)["payload"]))


def visible_certificates(user, limit: int = 200) -> list[Certificate]:
    visible = visible_projects_query(user).with_only_columns(Project.id).order_by(None)
    return list(db.session.scalars(select(Certificate).where(Certificate.project_id.in_(visible))
                                   .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(limit)))


def by_public_id(public_id: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.public_id == public_id[:40]))


def project_certificates(project) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.project_id == project.id)
                                   .order_by(Certificate.id.desc())))


def latest_certificate(project) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.project_id == project.id)
                             .order_by(Certificate.id.desc()).limit(1))
