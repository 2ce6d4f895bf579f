"""Pipeline files (YAML) and the rules every pipeline version obeys. Pure Python: no Flask, no database.

One format serves export, import and the pipelines shipped in ``pipelines/data/``. A file is checked as
a whole and every problem is reported at once as ``FILE:LINE: PATH: message`` (for example
``pipeline.yaml:12: stages[2].quorum: must be <= reviewers (3)``), reusing the catalog loader's node
walker (:mod:`reviewboard.catalogs.schema`). :func:`check_rules` holds the rules themselves; publishing a
draft edited in the browser applies the same function, so a file and a form are refused for the same
reasons with the same words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from flask_babel import gettext
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reviewboard.catalogs.schema import _NULL_TAG, KEY_RE, _Checker, _line, _yaml_problem
from reviewboard.core import yamlfiles
from reviewboard.core.language import LANGUAGES, SOURCE_LANGUAGE, split_translations
from reviewboard.pipelines.models import EXPERTISE, RULE_CONDITIONS, TIERS

STAGE_CODE_RE = re.compile(r"^[A-Z]{3}$")
MAX_KEY, MAX_NAME, MAX_STAGE_NAME = 80, 200, 80
MAX_DUE_DAYS, MAX_MONTHS, MAX_REVIEWERS = 365, 120, 20

_INT_TAG = "tag:yaml.org,2002:int"
_ROOT_KEYS = {"key": True, "name": True, "catalog": True, "stages": True, "description": False,
              "catalog_version": False, "change_note": False, "version": False}
_STAGE_KEYS = {"code": True, "name": True, "quorum": True, "tiers": True, "reviewers": False, "due_days": False,
               "criteria": False, "required_roles": False, "recurrence": False, "retired": False}
_CRITERION_KEYS = {"code": True, "tiers": True}
_ROLE_KEYS = {"expertise": True, "tiers": False, "when": False}
STAGE_FIELDS = ("code", "name", "tiers", "quorum", "reviewers", "due_days", "criteria", "required_roles",
                "recurrence", "retired", "translations")


@dataclass(frozen=True)
class CatalogInfo:
    """What the rules need to know about the catalog version a pipeline draws its criteria from."""

    label: str
    version: str
    stages: frozenset[str]
    criteria: dict[str, bool]  # code -> deprecated


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class PipelineSpec:
    """A valid pipeline file: ``data`` in the export format, ``lines`` maps a path to its line."""

    data: dict
    lines: dict[str, int] = field(default_factory=dict)


class PipelineFileError(ValueError):
    """A pipeline file is invalid. ``errors`` lists every problem as ``FILE:LINE: PATH: message``."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("invalid pipeline file:\n  " + "\n  ".join(self.errors))


# ---------------------------------------------------------------------------------------------- the rules


def check_rules(data: dict, catalog: CatalogInfo | None) -> list[Problem]:
    """Every rule a pipeline version must satisfy to be published. ``catalog`` None skips catalog checks."""
    problems: list[Problem] = []
    stages = data.get("stages") or []
    if not [s for s in stages if not s.get("retired")]:
        problems.append(Problem("stages", gettext("a pipeline needs at least one stage that is not retired")))
    seen: dict[str, int] = {}
    for i, stage in enumerate(stages):
        problems += check_stage(f"stages[{i}]", stage, catalog)
        code = stage.get("code")
        if code in seen:
            problems.append(Problem(f"stages[{i}].code", gettext("stage %(code)s is already stages[%(index)s]",
                                                                 code=code, index=seen[code])))
        elif code:
            seen[code] = i
    return problems


def check_stage(p: str, s: dict, catalog: CatalogInfo | None) -> list[Problem]:
    """The rules for one stage (``s`` in the export format); ``p`` is its path, such as ``stages[2]``."""
    out: list[Problem] = []
    code = s.get("code") or ""
    if not STAGE_CODE_RE.match(code):
        out.append(Problem(f"{p}.code", gettext("must be a catalog stage code of three capital letters, such as DES")))
    elif catalog is not None and code not in catalog.stages:
        out.append(Problem(f"{p}.code", gettext("catalog %(catalog)s has no stage %(code)s (it has: %(stages)s)",
                                                catalog=catalog.label, code=code,
                                                stages=", ".join(sorted(catalog.stages)))))
    if not (s.get("name") or "").strip():
        out.append(Problem(f"{p}.name", gettext("must not be empty")))
    elif len(s["name"]) > MAX_STAGE_NAME:
        out.append(Problem(f"{p}.name", gettext("is %(length)s characters long (at most %(limit)s)",
                                                length=len(s["name"]), limit=MAX_STAGE_NAME)))
    out += _check_tiers(f"{p}.tiers", s.get("tiers"), required=True)
    quorum, reviewers = s.get("quorum"), s.get("reviewers")
    if not isinstance(quorum, int) or quorum < 1:
        out.append(Problem(f"{p}.quorum", gettext("must be a whole number of at least 1")))
    if not isinstance(reviewers, int) or not 1 <= reviewers <= MAX_REVIEWERS:
        out.append(Problem(f"{p}.reviewers", gettext("must be a whole number from 1 to %(limit)s",
                                                     limit=MAX_REVIEWERS)))
    elif isinstance(quorum, int) and quorum > reviewers:
        out.append(Problem(f"{p}.quorum", gettext("must be <= reviewers (%(reviewers)s)",
                                                  reviewers=reviewers)))
    due = s.get("due_days")
    if due is not None and (not isinstance(due, int) or not 1 <= due <= MAX_DUE_DAYS):
        out.append(Problem(f"{p}.due_days", gettext("must be a number of days from 1 to %(limit)s",
                                                    limit=MAX_DUE_DAYS)))
    out += _check_criteria(f"{p}.criteria", s.get("criteria"), catalog)
    for j, rule in enumerate(s.get("required_roles") or []):
        if rule.get("expertise") not in EXPERTISE:
            out.append(Problem(f"{p}.required_roles[{j}].expertise",
                               gettext("unknown expertise %(value)r (allowed: %(allowed)s)",
                                       value=rule.get("expertise"), allowed=", ".join(EXPERTISE))))
        out += _check_tiers(f"{p}.required_roles[{j}].tiers", rule.get("tiers"), required=False)
        if rule.get("when") is not None and rule["when"] not in RULE_CONDITIONS:
            out.append(Problem(f"{p}.required_roles[{j}].when",
                               gettext("unknown condition %(value)r (allowed: %(allowed)s)", value=rule["when"],
                                       allowed=", ".join(RULE_CONDITIONS))))
    for tier, months in (s.get("recurrence") or {}).items():
        if tier not in TIERS:
            out.append(Problem(f"{p}.recurrence", gettext("unknown tier %(value)r (allowed: %(allowed)s)",
                                                          value=tier, allowed=", ".join(TIERS))))
        elif not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
            out.append(Problem(f"{p}.recurrence.{tier}", gettext("must be a number of months from 1 to %(limit)s",
                                                                 limit=MAX_MONTHS)))
    return out


def _check_tiers(path: str, tiers, required: bool) -> list[Problem]:
    if tiers is None or tiers == []:
        return [Problem(path, gettext("choose at least one tier"))] if required else []
    out = [Problem(path, gettext("unknown tier %(value)r (allowed: %(allowed)s)", value=t, allowed=", ".join(TIERS)))
           for t in tiers if t not in TIERS]
    if len(set(tiers)) != len(tiers):
        out.append(Problem(path, gettext("lists a tier twice")))
    return out


def _check_criteria(path: str, criteria, catalog: CatalogInfo | None) -> list[Problem]:
    if criteria is None:
        return []
    if not criteria:
        return [Problem(path, gettext("choose at least one criterion, or leave criteria out to use the "
                                   "catalog's own"))]
    out: list[Problem] = []
    seen: set[str] = set()
    for j, item in enumerate(criteria):
        code = item.get("code")
        if code in seen:
            out.append(Problem(f"{path}[{j}].code", gettext("%(code)s is listed twice", code=code)))
        seen.add(code)
        if catalog is not None:
            if code not in catalog.criteria:
                out.append(Problem(f"{path}[{j}].code", gettext("%(code)s is not a criterion of catalog %(catalog)s",
                                                                   code=code, catalog=catalog.label)))
            elif catalog.criteria[code]:
                out.append(Problem(f"{path}[{j}].code", gettext("%(code)s is deprecated in catalog %(catalog)s",
                                                                   code=code, catalog=catalog.label)))
        out += _check_tiers(f"{path}[{j}].tiers", item.get("tiers"), required=True)
    return out


# ------------------------------------------------------------------------------------------ export format


def dump_pipeline(data: dict, header: str = "") -> str:
    """YAML text of a pipeline in the export format; empty optional fields are left out."""
    out = {k: data[k] for k in ("key", "name", "description", "catalog", "catalog_version", "version",
                                "change_note") if data.get(k) not in (None, "")}
    out["name"] = _names(data)
    out["stages"] = []
    for s in data["stages"]:
        stage = {k: s[k] for k in STAGE_FIELDS if s.get(k) not in (None, [], {})}
        if not s.get("retired"):
            stage.pop("retired", None)
        stage.pop("translations", None)
        stage["name"] = _names(s)
        out["stages"].append(stage)
    body = yaml.safe_dump(out, sort_keys=False, allow_unicode=True, default_flow_style=None, width=110)
    return (header if header.endswith("\n") or not header else header + "\n") + body


def _names(data: dict):
    """A name as a file writes it: the English alone, or {en: ..., zh-Hans: ...} when it has translations."""
    others = {language: texts["name"] for language, texts in (data.get("translations") or {}).items()
              if texts.get("name")}
    return {SOURCE_LANGUAGE: data["name"], **others} if others else data["name"]


CatalogLookup = Callable[[str, "str | None"], "CatalogInfo | None"]


def parse_pipeline(text: str | bytes, source: str = "pipeline.yaml",
                   catalog_lookup: CatalogLookup | None = None) -> PipelineSpec:
    """Validate a pipeline file; with ``catalog_lookup`` also against its catalog version.

    Raises PipelineFileError listing every problem, each as ``SOURCE:LINE: PATH: message``.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PipelineFileError([f"{source}: " + gettext("file is not valid UTF-8 (byte %(byte)s)",
                                                             byte=exc.start)]) from None
    try:
        root = yamlfiles.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = _yaml_problem(exc).split(": ", 1)[1] if mark is not None else _yaml_problem(exc)
        raise PipelineFileError([f"{source}:{mark.line + 1 if mark else 1}: {message}"]) from None
    except yaml.YAMLError as exc:
        raise PipelineFileError([f"{source}: invalid YAML: {exc}"]) from None
    reader = _Reader()
    data = reader.pipeline(root)
    if not reader.problems and data is not None:
        catalog = None
        if catalog_lookup is not None:
            catalog = catalog_lookup(data["catalog"], data.get("catalog_version"))
            if catalog is None:
                version = data.get("catalog_version") or gettext("(any version)")
                wanted = f"{data['catalog']} {version}"
                reader.problems.append((reader.line_of("catalog"),
                                        "catalog: " + gettext("no catalog %(catalog)s is imported", catalog=wanted)))
            else:
                data["catalog_version"] = catalog.version
        for problem in check_rules(data, catalog):
            reader.problems.append((reader.line_of(problem.path), str(problem)))
    if reader.problems or data is None:
        problems = sorted(reader.problems or [(1, gettext("pipeline could not be read"))], key=lambda p: p[0])
        raise PipelineFileError([f"{source}:{line}: {message}" for line, message in problems])
    return PipelineSpec(data=data, lines=reader.lines)


class _Reader(_Checker):
    """The catalog loader's node walker, recording (line, message) and each value's line by path."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, int] = {}

    def error(self, node: Node, message: str) -> None:
        self.problems.append((_line(node), message))

    def line_of(self, path: str) -> int:
        """The line of ``path``, or of its nearest enclosing value that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            if path.endswith("]"):
                path = path[:path.rfind("[")]
            else:
                path = path.rsplit(".", 1)[0] if "." in path else ""
        return 1

    def _at(self, path: str, node: Node) -> None:
        self.lines[path] = _line(node)

    def integer(self, fields: dict, key: str, path: str, default=None):
        if key not in fields:
            return default
        node = fields[key][1]
        self._at(f"{path}.{key}", node)
        if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
            return None
        if not isinstance(node, ScalarNode) or node.tag != _INT_TAG:
            self.error(node, f"{path}.{key}: " + gettext("must be a whole number"))
            return default
        return int(node.value)

    def tier_list(self, fields: dict, key: str, path: str, required: bool) -> list[str] | None:
        if key not in fields:
            return None
        self._at(f"{path}.{key}", fields[key][1])
        return [value for _, value in self.strings(fields, key, f"{path}.{key}", required=required)]

    def pipeline(self, root: Node | None) -> dict | None:
        if root is None:
            self.problems.append((1, gettext("the file is empty")))
            return None
        top = self.mapping(root, _ROOT_KEYS, "pipeline")
        if top is None:
            return None
        for key, (key_node, _) in top.items():
            self._at(key, key_node)
        data = {k: self.text(top, k, "pipeline", limit) for k, limit in (("key", MAX_KEY), ("catalog", MAX_KEY))}
        data["name"], data["translations"] = self.names(top, "pipeline", MAX_NAME)
        if data["key"] is not None and not KEY_RE.match(data["key"]):
            self.error(top["key"][1], "key: " + gettext("must be lower-case letters, digits and hyphens"))
        for optional in ("description", "catalog_version", "change_note"):
            node = top.get(optional, (None, None))[1]
            empty = node is None or (isinstance(node, ScalarNode) and node.tag == _NULL_TAG)
            data[optional] = "" if empty else self.text(top, optional, "pipeline")
        self.integer(top, "version", "pipeline")  # informative: an import always makes the next version
        data["stages"] = [stage for i, node in enumerate(self.items(top, "stages", "pipeline"))
                          if (stage := self.stage(node, f"stages[{i}]")) is not None]
        return data

    def stage(self, node: Node, path: str) -> dict | None:
        self._at(path, node)
        fields = self.mapping(node, _STAGE_KEYS, path)
        if fields is None:
            return None
        for key, (_, value) in fields.items():
            self._at(f"{path}.{key}", value)
        name, translations = self.names(fields, path, MAX_STAGE_NAME)
        stage = {"code": self.text(fields, "code", path), "name": name, "translations": translations,
                 "tiers": self.tier_list(fields, "tiers", path, required=True) or [],
                 "quorum": self.integer(fields, "quorum", path)}
        stage["reviewers"] = self.integer(fields, "reviewers", path, default=stage["quorum"])
        stage["due_days"] = self.integer(fields, "due_days", path)
        stage["retired"] = self.flag(fields, "retired", path, default=False)
        stage["criteria"] = self.criteria(fields, path)
        stage["required_roles"] = self.roles(fields, path)
        stage["recurrence"] = self.recurrence(fields, path)
        return stage

    def names(self, fields: dict, path: str, limit: int) -> tuple[str | None, dict]:
        """A name: one string (English), or a mapping giving it in every language (LANGUAGES), refused with the
        field and language named when one is missing. Returns (English, {"zh-Hans": {"name": ...}})."""
        if "name" not in fields or not isinstance(fields["name"][1], MappingNode):
            return self.text(fields, "name", path, limit), {}
        self.languages = LANGUAGES
        texts = self.texts(fields, "name", path, limit)
        if texts is None:
            return None, {}
        source, translations = split_translations({"name": texts})
        return source["name"], translations

    def criteria(self, fields: dict, path: str) -> list[dict] | None:
        if "criteria" not in fields:
            return None
        value = fields["criteria"][1]
        if isinstance(value, ScalarNode) and value.tag == _NULL_TAG:
            return None
        out = [{"code": self.text(entry, "code", where),
                "tiers": self.tier_list(entry, "tiers", where, required=True) or []}
               for where, entry in self.entries(fields, "criteria", _CRITERION_KEYS, path)]
        return out if isinstance(value, SequenceNode) else None

    def entries(self, fields: dict, name: str, keys, path: str):
        """(path, fields) of each well-formed mapping in the optional list ``name``, every line recorded."""
        for j, item in enumerate(self.items(fields, name, path, required=False)):
            where = f"{path}.{name}[{j}]"
            self._at(where, item)
            entry = self.mapping(item, keys, where)
            if entry is None:
                continue
            for key, (_, v) in entry.items():
                self._at(f"{where}.{key}", v)
            yield where, entry

    def roles(self, fields: dict, path: str) -> list[dict]:
        out = []
        for where, entry in self.entries(fields, "required_roles", _ROLE_KEYS, path):
            rule = {"expertise": self.text(entry, "expertise", where)}
            tiers = self.tier_list(entry, "tiers", where, required=True)
            if tiers:
                rule["tiers"] = tiers
            if "when" in entry:
                rule["when"] = self.text(entry, "when", where)
            out.append(rule)
        return out

    def recurrence(self, fields: dict, path: str) -> dict | None:
        if "recurrence" not in fields:
            return None
        node = fields["recurrence"][1]
        if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
            return None
        if not isinstance(node, MappingNode):
            self.error(node, f"{path}.recurrence: " + gettext("must map tiers to months, such as {high: 6}"))
            return None
        out = {}
        for key_node, value_node in node.value:
            tier = getattr(key_node, "value", None)
            self._at(f"{path}.recurrence.{tier}", value_node)
            if not isinstance(value_node, ScalarNode) or value_node.tag != _INT_TAG:
                self.error(value_node, f"{path}.recurrence.{tier}: " + gettext("must be a whole number of months"))
                continue
            out[tier] = int(value_node.value)
        return out
