"""What changed between two versions of a pipeline: stages added, removed, retired, restored or moved,
and field by field (criteria per criterion and tier, required-role rules, due time, recurrence)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from reviewboard.catalogs.labels import clause_separator, list_separator, tier_name, tier_names
from reviewboard.i18n.languages import LANGUAGES
from reviewboard.pipelines.labels import describe_rule, stage_name
from reviewboard.pipelines.models import Pipeline
from reviewboard.pipelines.schema import STAGE_FIELDS
from reviewboard.pipelines.services import pipeline_data


def _clauses(parts) -> str:
    return clause_separator().join(parts)


def describe(field: str, value) -> str:
    """A stage field's value as the stage list and the diff page show it, in the reader's language."""
    if field == "criteria":
        if value is None:
            return _("the catalog stage's criteria, by the catalog's tiers")
        return _clauses(f"{c['code']} ({tier_names(c['tiers'])})" for c in value)
    if field == "required_roles":
        return _clauses(describe_rule(r) for r in value) if value else _("none")
    if field == "recurrence":
        return list_separator().join(ngettext("%(tier)s: every %(num)d month", "%(tier)s: every %(num)d months", m,
                                              tier=tier_name(t)) for t, m in value.items()) if value else _("none")
    if field == "tiers":
        return tier_names(value)
    if field == "due_days":
        return ngettext("%(num)d day", "%(num)d days", value) if value else _("no due time")
    if field == "retired":
        return _("retired") if value else _("active")
    if field == "translations":  # the stage's name in the other languages
        return _translations(value) or _("none")
    return str(value)


def _translations(value: dict) -> str:
    """``{"zh-Hans": {"name": ..., "description": ...}}`` as "中文 (简体): name; description"."""
    return _clauses(f"{LANGUAGES.get(language, language)}: {_clauses(v for v in texts.values() if v)}"
                    for language, texts in value.items())


def _effective_criteria(pipeline: Pipeline, stage: dict) -> dict[str, list[str]]:
    """Criterion code -> tiers it applies to in this stage (the catalog's own when the stage has no rule)."""
    if stage["criteria"] is None:
        return {c.code: list(c.tiers) for c in pipeline.catalog.criteria
                if c.stage_code == stage["code"] and not c.deprecated}
    return {c["code"]: list(c["tiers"]) for c in stage["criteria"]}


def _criteria_summary(stage: dict) -> str:
    if stage["criteria"] is None:
        return _("the catalog's own")
    return _("%(count)s chosen", count=len(stage["criteria"]))


def _criteria_changes(old: Pipeline, before: dict, new: Pipeline, after: dict) -> list[str]:
    a, b = _effective_criteria(old, before), _effective_criteria(new, after)
    out = []
    for code in sorted(set(a) | set(b)):
        if code not in b:
            out.append(_("%(code)s: no longer applies (was %(tiers)s)", code=code, tiers=tier_names(a[code])))
        elif code not in a:
            out.append(_("%(code)s: now applies to %(tiers)s", code=code, tiers=tier_names(b[code])))
        elif a[code] != b[code]:
            no_tier = _("no tier")
            out.append(f"{code}: {tier_names(a[code]) or no_tier} → {tier_names(b[code]) or no_tier}")
    if not out and (before["criteria"] is None) != (after["criteria"] is None):
        out.append(_("same criteria and tiers, now chosen in the pipeline") if after["criteria"] is not None
                   else _("same criteria and tiers, now following the catalog"))
    return out


def diff_versions(old: Pipeline, new: Pipeline) -> dict:
    """What changed from ``old`` to ``new`` (two versions of one pipeline), stage by stage code."""
    a, b = pipeline_data(old), pipeline_data(new)
    before = {s["code"]: s for s in a["stages"]}
    after = {s["code"]: s for s in b["stages"]}
    changed = []
    for code in [c for c in after if c in before]:
        fields = [{"field": f, "before": describe(f, before[code][f]), "after": describe(f, after[code][f])}
                  for f in STAGE_FIELDS
                  if f not in ("code", "retired", "criteria") and before[code][f] != after[code][f]]
        criteria = _criteria_changes(old, before[code], new, after[code])
        if criteria:
            fields.append({"field": "criteria", "before": _criteria_summary(before[code]),
                           "after": _criteria_summary(after[code]), "detail": criteria})
        if fields:
            changed.append({"code": code, "name": stage_name(after[code]), "fields": fields})
    common_old = [c for c in before if c in after]
    common_new = [c for c in after if c in before]
    details = [{"field": f, "before": a[f] or "", "after": b[f] or ""}
               for f in ("name", "description", "catalog_version") if a[f] != b[f]]
    if a["translations"] != b["translations"]:  # the name and description in the other languages
        details.append({"field": "translations", "before": _translations(a["translations"]),
                        "after": _translations(b["translations"])})
    return {
        "from": old.version, "to": new.version, "details": details,
        "added": [after[c] for c in after if c not in before],
        "removed": [before[c] for c in before if c not in after],
        "retired": [after[c] for c in common_new if after[c]["retired"] and not before[c]["retired"]],
        "restored": [after[c] for c in common_new if before[c]["retired"] and not after[c]["retired"]],
        "reordered": common_old != common_new,
        "order_before": [s["code"] for s in a["stages"]], "order_after": [s["code"] for s in b["stages"]],
        "changed": changed,
        "empty": a["stages"] == b["stages"] and not details,
    }
