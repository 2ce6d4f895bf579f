"""How the pipeline screens name a pipeline's fixed words in the reader's language: reviewer expertise,
version status and the fields a version diff reports. Stored values ("ethics", "published", "due_days") stay
as they are in files, the database, the audit trail and the CLI."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reviewboard.catalogs.labels import clause_separator, list_separator, tier_names
from reviewboard.core.language import current_language, translated
from reviewboard.pipelines.models import RULE_CONDITIONS

EXPERTISE_NAMES = {"ethics": _l("ethics"), "technical": _l("technical"), "legal": _l("legal"),
                   "privacy": _l("privacy"), "external": _l("external"), "domain": _l("domain")}
# as a list of choices names them (capitalised in English)
EXPERTISE_CHOICES = {"ethics": _l("Ethics"), "technical": _l("Technical"), "legal": _l("Legal"),
                     "privacy": _l("Privacy"), "external": _l("External"), "domain": _l("Domain")}
STATUS_NAMES = {"draft": _l("draft"), "published": _l("published"), "retired": _l("retired")}
# the fields a version diff names (pipelines/diff.py): the pipeline's details, and a stage's
DETAIL_NAMES = {"name": _l("Pipeline name"), "description": _l("Pipeline description"),
                "catalog_version": _l("Catalog version"), "translations": _l("Pipeline in other languages")}
FIELD_NAMES = {"name": _l("Stage name"), "tiers": _l("Tiers"), "quorum": _l("Quorum"),
               "reviewers": _l("Reviewers assigned"), "due_days": _l("Decision due"), "criteria": _l("Criteria"),
               "required_roles": _l("Required reviewers"), "recurrence": _l("Recurs"), "retired": _l("Retired"),
               "translations": _l("Name in other languages")}


def expertise_name(expertise: str) -> str:
    return str(EXPERTISE_NAMES.get(expertise, expertise))


def expertise_names(expertise: list[str] | None) -> str:
    """A person's expertise in the reader's language: "legal, privacy" or "法律、隐私"."""
    return list_separator().join(expertise_name(e) for e in expertise or [])


def field_name(field: str) -> str:
    return str(FIELD_NAMES.get(field, field.replace("_", " ").capitalize()))


def detail_name(field: str) -> str:
    return str(DETAIL_NAMES.get(field, field.replace("_", " ").capitalize()))


def stage_name(stage) -> str:
    """A stage's name in the reader's language, for a stage row or its export-format dict (a version diff's)."""
    if isinstance(stage, dict):
        language = current_language()
        return ((stage.get("translations") or {}).get(language) or {}).get("name") or stage["name"]
    return translated(stage, "name")


def describe_rule(rule: dict) -> str:
    """A required-reviewer rule in words, in the reader's language: 'one external reviewer (high tier)'."""
    parts = []
    if rule.get("tiers"):
        parts.append(_("%(tier)s tier", tier=tier_names(rule["tiers"])))
    if rule.get("when"):
        parts.append(_("when %(condition)s", condition=RULE_CONDITIONS.get(rule["when"], rule["when"])))
    text = _("one %(expertise)s reviewer", expertise=expertise_name(rule["expertise"]))
    if not parts:
        return text
    return _("%(rule)s (%(details)s)", rule=text, details=clause_separator().join(parts))
