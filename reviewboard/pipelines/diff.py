"""What changed between two versions of a pipeline: stages added, removed, retired, restored or moved,
and field by field (criteria per criterion and tier, required-role rules, due time, recurrence)."""

from __future__ import annotations

from reviewboard.pipelines.models import Pipeline, describe_rule
from reviewboard.pipelines.schema import STAGE_FIELDS
from reviewboard.pipelines.services import pipeline_data


def describe(field: str, value) -> str:
    """A stage field's value as the diff page and the audit reader see it."""
    if field == "criteria":
        if value is None:
            return "the catalog stage's criteria, by the catalog's tiers"
        return "; ".join(f"{c['code']} ({', '.join(c['tiers'])})" for c in value)
    if field == "required_roles":
        return "; ".join(describe_rule(r) for r in value) if value else "none"
    if field == "recurrence":
        return ", ".join(f"{t}: every {m} months" for t, m in value.items()) if value else "none"
    if field == "tiers":
        return ", ".join(value)
    if field == "due_days":
        return f"{value} days" if value else "no due time"
    if field == "retired":
        return "retired" if value else "active"
    if field == "translations":  # the stage's name in the other languages
        return "; ".join(f"{language}: {texts.get('name', '')}" for language, texts in value.items()) or "none"
    return str(value)


def _effective_criteria(pipeline: Pipeline, stage: dict) -> dict[str, list[str]]:
    """Criterion code -> tiers it applies to in this stage (the catalog's own when the stage has no rule)."""
    if stage["criteria"] is None:
        return {c.code: list(c.tiers) for c in pipeline.catalog.criteria
                if c.stage_code == stage["code"] and not c.deprecated}
    return {c["code"]: list(c["tiers"]) for c in stage["criteria"]}


def _criteria_summary(stage: dict) -> str:
    if stage["criteria"] is None:
        return "the catalog's own"
    return f"{len(stage['criteria'])} chosen"


def _criteria_changes(old: Pipeline, before: dict, new: Pipeline, after: dict) -> list[str]:
    a, b = _effective_criteria(old, before), _effective_criteria(new, after)
    out = []
    for code in sorted(set(a) | set(b)):
        if code not in b:
            out.append(f"{code}: no longer applies (was {', '.join(a[code])})")
        elif code not in a:
            out.append(f"{code}: now applies to {', '.join(b[code])}")
        elif a[code] != b[code]:
            out.append(f"{code}: {', '.join(a[code]) or 'no tier'} → {', '.join(b[code]) or 'no tier'}")
    if not out and (before["criteria"] is None) != (after["criteria"] is None):
        out.append("same criteria and tiers, now " + ("chosen in the pipeline" if after["criteria"] is not None
                                                      else "following the catalog"))
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
            changed.append({"code": code, "name": after[code]["name"], "fields": fields})
    common_old = [c for c in before if c in after]
    common_new = [c for c in after if c in before]
    details = [{"field": f, "before": a[f] or "", "after": b[f] or ""}
               for f in ("name", "description", "catalog_version") if a[f] != b[f]]
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
