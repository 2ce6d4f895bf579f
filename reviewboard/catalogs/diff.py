"""What changed between two versions of a catalog. Pure Python: works on stored criteria or on specs.

A criterion is identified by its code across versions (codes are permanent). "Removed" means
deprecated in the newer version; a code missing altogether (only possible for versions imported
before the deprecate-rather-than-renumber rule) is reported as removed too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

REWORDABLE = ("title", "question", "guidance")


def _translation(criterion, language: str, name: str):
    return ((getattr(criterion, "translations", None) or {}).get(language) or {}).get(name)


def _translated_changes(o, n, names: tuple[str, ...]) -> list[Change]:
    """Changes of the texts in the languages other than English, named "title (zh-Hans)": a translation added,
    changed or dropped is a change like any other."""
    languages = sorted(set(getattr(o, "translations", None) or {}) | set(getattr(n, "translations", None) or {}))
    out = []
    for language in languages:
        for name in names:
            before, after = _translation(o, language, name), _translation(n, language, name)
            if isinstance(before, list | tuple) or isinstance(after, list | tuple):
                before, after = tuple(before or ()), tuple(after or ())
            else:  # a translation added or dropped reads as text appearing or disappearing
                before, after = before or "", after or ""
            if before != after:
                out.append(Change(f"{name} ({language})", before, after))
    return out


def _refs(criterion) -> tuple[tuple[str, str, bool], ...]:
    """(framework, ref, verified) triples from model dicts or schema SourceRefs, in a stable order."""
    out = []
    for r in criterion.refs:
        if isinstance(r, dict):
            out.append((r["framework"], r["ref"], bool(r["verified"])))
        else:
            out.append((r.framework, r.ref, bool(r.verified)))
    return tuple(sorted(out))


def _ref_texts(criterion) -> dict[tuple[str, str], dict]:
    """{(framework, ref): its other languages' texts} of a criterion's refs (a ref in words has them)."""
    out = {}
    for r in criterion.refs:
        if isinstance(r, dict):
            out[(r["framework"], r["ref"])] = r.get("translations") or {}
        else:
            out[(r.framework, r.ref)] = r.translations or {}
    return out


def _ref_translation_changes(o, n) -> list[Change]:
    """A ref in words whose text in another language changed while its English (and so the ref) stayed: named
    "refs (zh-Hans)", so that a diff shows a change made in either language."""
    before, after = _ref_texts(o), _ref_texts(n)
    out = []
    for key in sorted(before.keys() & after.keys()):
        for language in sorted(set(before[key]) | set(after[key])):
            was = (before[key].get(language) or {}).get("ref") or ""
            now = (after[key].get(language) or {}).get("ref") or ""
            if was != now:
                out.append(Change(f"refs ({language})", was, now))
    return out


def _code(criterion) -> str:
    return getattr(criterion, "code", None) or criterion.id


def _stage(criterion) -> str:
    return getattr(criterion, "stage_code", None) or criterion.stage


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


@dataclass(frozen=True)
class CriterionChange:
    code: str
    title: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class RefsChange:
    code: str
    title: str
    added: tuple[tuple[str, str, bool], ...]
    removed: tuple[tuple[str, str, bool], ...]


@dataclass(frozen=True)
class TierChange:
    code: str
    title: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass
class CatalogDiff:
    old_version: str
    new_version: str
    added: list = field(default_factory=list)            # criteria (new side)
    removed: list = field(default_factory=list)          # criteria (old side) deprecated or gone in the new one
    restored: list = field(default_factory=list)         # deprecated before, active again
    reworded: list[CriterionChange] = field(default_factory=list)
    refs_changed: list[RefsChange] = field(default_factory=list)
    tiers_changed: list[TierChange] = field(default_factory=list)
    other_changed: list[CriterionChange] = field(default_factory=list)  # applicability, evidence types

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.restored or self.reworded or self.refs_changed
                    or self.tiers_changed or self.other_changed)

    def summary(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed), "restored": len(self.restored),
                "reworded": len(self.reworded), "refs changed": len(self.refs_changed),
                "tiers changed": len(self.tiers_changed), "other changes": len(self.other_changed)}


def diff_criteria(old_version: str, old: Iterable, new_version: str, new: Iterable) -> CatalogDiff:
    """Compare two versions' criteria (Criterion rows or CriterionSpecs), in the newer file's order."""
    before = {_code(c): c for c in old}
    after = {_code(c): c for c in new}
    result = CatalogDiff(old_version, new_version)
    for code, c in before.items():
        if code not in after and not c.deprecated:
            result.removed.append(c)
    for code, n in after.items():
        o = before.get(code)
        if o is None:
            if not n.deprecated:
                result.added.append(n)
            continue
        if n.deprecated and not o.deprecated:
            result.removed.append(o)
            continue
        if o.deprecated and not n.deprecated:
            result.restored.append(n)
        words = tuple([Change(f, getattr(o, f), getattr(n, f)) for f in REWORDABLE if getattr(o, f) != getattr(n, f)]
                      + _translated_changes(o, n, REWORDABLE))
        if words:
            result.reworded.append(CriterionChange(code, n.title, words))
        old_refs, new_refs = set(_refs(o)), set(_refs(n))
        if old_refs != new_refs:
            result.refs_changed.append(RefsChange(code, n.title, tuple(sorted(new_refs - old_refs)),
                                                  tuple(sorted(old_refs - new_refs))))
        if tuple(o.tiers) != tuple(n.tiers):
            result.tiers_changed.append(TierChange(code, n.title, tuple(o.tiers), tuple(n.tiers)))
        others = []
        if o.applicability != n.applicability:
            others.append(Change("applicability", o.applicability, n.applicability))
        if tuple(o.evidence_types) != tuple(n.evidence_types):
            others.append(Change("evidence_types", tuple(o.evidence_types), tuple(n.evidence_types)))
        others += _translated_changes(o, n, ("evidence_types",))
        others += _ref_translation_changes(o, n)
        if _stage(o) != _stage(n):
            others.append(Change("stage", _stage(o), _stage(n)))
        if others:
            result.other_changed.append(CriterionChange(code, n.title, tuple(others)))
    return result


def diff_catalogs(old, new) -> CatalogDiff:
    """Diff two stored Catalog versions."""
    return diff_criteria(old.version, old.criteria, new.version, new.criteria)
