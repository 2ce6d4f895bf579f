"""The project's incidents as a stage record prints and embeds them (records/services.py reads this)."""

from __future__ import annotations

from sqlalchemy import select

from reviewboard.core.language import SOURCE_LANGUAGE
from reviewboard.extensions import db
from reviewboard.incidents.models import Incident
from reviewboard.incidents.rules import load_rules
from reviewboard.incidents.workflow import IncidentState
from reviewboard.models.base import iso


def incident_ids(project_id: int) -> list[int]:
    """The project's incidents, whose audit events belong in each of its stage records."""
    return list(db.session.scalars(select(Incident.id).where(Incident.project_id == project_id)))


def record_entries(project_id: int) -> list[dict]:
    """The project's incidents as a record prints and embeds them (every one reported so far, with its
    closure), oldest first; the severity's and category's labels in English, and in the rules' other languages
    under ``translations`` (a Chinese record prints them, the JSON carries both)."""
    rules = load_rules()
    others = [load_rules(language=language) for language in rules.languages if language != SOURCE_LANGUAGE]
    rows = db.session.scalars(select(Incident).where(Incident.project_id == project_id).order_by(Incident.id))
    entries = []
    for i in rows:
        severity, category = rules.severity(i.severity), rules.category(i.category)
        entries.append({
            "id": i.id, "version": i.version.label if i.version else None, "title": i.title,
            "description": i.description, "severity": i.severity,
            "severity_label": severity.label if severity else i.severity,
            "serious": bool(severity and severity.serious),
            "category": i.category, "category_label": category.label if category else None,
            "widespread": i.widespread, "detected_on": i.detected_on.isoformat(),
            "affected_count": i.affected_count, "affected_description": i.affected_description,
            "reported_by": i.reported_by.name, "reported_at": iso(i.reported_at),
            "state": IncidentState(i.state).value,
            "deadline": {"rule": i.due_rule, "duty": i.due_duty, "due_on": i.due_on.isoformat(),
                         "rules_version": i.rules_version},
            "authority_report": ({"authority": i.authority, "reference": i.authority_reference,
                                  "reported_on": i.authority_reported_on.isoformat()}
                                 if i.authority_reference else None),
            "closure": ({"closed_by": i.closed_by.name, "closed_at": iso(i.closed_at), "resolution": i.resolution}
                        if i.closed_at else None),
            "evidence": [{"filename": e.filename, "sha256": e.sha256, "size": e.size} for e in i.evidence],
            "translations": {other.language: _labels(other, i) for other in others},
        })
    return entries


def _labels(rules, incident: Incident) -> dict:
    severity, category = rules.severity(incident.severity), rules.category(incident.category)
    return {"severity_label": severity.label if severity else incident.severity,
            "category_label": category.label if category else None}
