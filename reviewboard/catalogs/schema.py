"""Loading and validating criteria catalog files (YAML). Pure Python: no Flask, no database.

A catalog file is checked as a whole and every problem is reported at once, each with the line of
the YAML file it concerns, so that an author can fix a file in one pass. Unknown keys are errors:
a misspelt optional field must not be silently ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask_babel import gettext
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reviewboard.core import yamlfiles
from reviewboard.core.language import LANGUAGES, SOURCE_LANGUAGE, split_translations
from reviewboard.projects.tiering import REVIEW_TIERS

TIERS = REVIEW_TIERS
FRAMEWORKS = ("TC260-1.0", "TC260-2.0", "NIST-AI-RMF-1.0", "ISO-IEC-42001-2023", "EU-AI-Act")
APPLICABILITY = ("mandatory", "conditional", "advisory")
# How the UI names each framework; the first two are the catalog's sources, the rest its crosswalk.
FRAMEWORK_LABELS = {
    "TC260-1.0": "TC260 AI Safety Governance Framework 1.0",
    "TC260-2.0": "TC260 AI Safety Governance Framework 2.0",
    "NIST-AI-RMF-1.0": "NIST AI RMF 1.0",
    "ISO-IEC-42001-2023": "ISO/IEC 42001:2023 (Annex A)",
    "EU-AI-Act": "EU AI Act",
}
SOURCE_FRAMEWORKS = ("TC260-1.0", "TC260-2.0")

DEFAULT_CATALOG_FILE = "rb-tc260-lifecycle-1.0.0.yaml"

ID_RE = re.compile(r"^[A-Z]{2,8}-([A-Z]{3})-\d{2}$")
STAGE_CODE_RE = re.compile(r"^[A-Z]{3}$")
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIT_CODE_RE = re.compile(r"^\d+(?:\.\d+)*$")
# a clause number or code a ref may give as a plain string in any file ("5.1", "6.2(a)", "MAP 2", "Art. 6",
# "Annex III", "A.6.2.4"); a ref in words ("risk grading (...)") is given in each language of the file
CODE_REF_RE = re.compile(r"^(?:[A-Za-z]+\.? )?[A-Z0-9][A-Za-z0-9.()]*$")

# Lengths the database columns accept (see catalogs/models.py) or the UI is laid out for.
MAX_KEY = 80
MAX_NAME = 200
MAX_VERSION = 40
MAX_TITLE = 80

_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"

_ROOT_KEYS = {"catalog": True, "criteria": True}
_CATALOG_KEYS = {"key": True, "name": True, "version": True, "released": True, "description": True,
                 "stages": True, "languages": False}
_STAGE_KEYS = {"code": True, "name": True}
_CRITERION_KEYS = {"id": True, "stage": True, "title": True, "question": True, "guidance": True,
                   "evidence_types": True, "tiers": True, "applicability": True, "refs": True,
                   "mit_codes": False, "deprecated": False}
_REF_KEYS = {"framework": True, "ref": True, "verified": True}


@dataclass(frozen=True)
class SourceRef:
    framework: str
    ref: str
    verified: bool
    # a ref in words, in the languages other than English: {"zh-Hans": {"ref": ...}}; none for a clause number
    translations: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class CriterionSpec:
    id: str
    stage: str
    title: str
    question: str
    guidance: str
    evidence_types: tuple[str, ...]
    tiers: tuple[str, ...]
    applicability: str
    refs: tuple[SourceRef, ...]
    mit_codes: tuple[str, ...]
    deprecated: bool
    line: int = field(default=0, compare=False)  # where the criterion starts in its file, for messages
    # the texts in the languages other than English: {"zh-Hans": {"title": ..., "evidence_types": [...]}}
    translations: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    translations: dict = field(default_factory=dict)  # {"zh-Hans": {"name": ...}}


@dataclass(frozen=True)
class CatalogSpec:
    key: str
    name: str
    version: str
    released: str
    description: str
    stages: tuple[StageSpec, ...]
    criteria: tuple[CriterionSpec, ...]
    sha256: str
    criteria_line: int = field(default=0, compare=False)  # the line of the ``criteria:`` key
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)  # every text of the file is given in each of these
    translations: dict = field(default_factory=dict)  # name and description: {"zh-Hans": {"name": ...}}

    def criteria_for_stage(self, stage_code: str, *, include_deprecated: bool = True) -> list[CriterionSpec]:
        """Criteria of one stage in file order. Raises KeyError for a stage the catalog does not declare."""
        if stage_code not in {s.code for s in self.stages}:
            raise KeyError(f"catalog {self.key} {self.version} has no stage {stage_code!r}")
        return [c for c in self.criteria
                if c.stage == stage_code and (include_deprecated or not c.deprecated)]


class CatalogError(ValueError):
    """A catalog file is unreadable or invalid. ``errors`` lists every problem, "line N: ..." first."""

    def __init__(self, errors: list[str], source: str | None = None):
        self.errors = list(errors)
        self.source = source
        where = f"{source}: " if source else ""
        listing = "\n  ".join(self.errors)
        super().__init__(f"{where}invalid catalog ({len(self.errors)} problem(s)):\n  {listing}")


def default_catalog_path() -> Path:
    """The catalog file shipped with the package (version 1.0.0)."""
    return shipped_catalog_path(DEFAULT_CATALOG_FILE)


def shipped_catalog_path(filename: str) -> Path:
    """A catalog file shipped with the package (catalogs/data/), such as a later version a shipped pipeline
    version draws on."""
    return Path(__file__).resolve().parent / "data" / filename


def load_catalog_file(path: str | Path) -> CatalogSpec:
    """Read and validate a catalog file. Raises CatalogError (naming the file) or OSError."""
    path = Path(path)
    data = path.read_bytes()
    try:
        return parse_catalog(data)
    except CatalogError as exc:
        raise CatalogError(exc.errors, source=str(path)) from None


def parse_catalog(text: str | bytes) -> CatalogSpec:
    """Validate catalog YAML and return its spec. Raises CatalogError listing all problems found.

    ``sha256`` is the digest of the raw bytes (UTF-8 encoded when given a str), so it identifies
    exactly the file a catalog version was imported from.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError([gettext("file is not valid UTF-8 (byte %(byte)s)", byte=exc.start)]) from None
    try:
        root = yamlfiles.compose(source)
    except yaml.MarkedYAMLError as exc:
        raise CatalogError([_yaml_problem(exc)]) from None
    except yaml.YAMLError as exc:
        raise CatalogError([f"invalid YAML: {exc}"]) from None
    checker = _Checker()
    spec = checker.catalog(root, sha256)
    if checker.problems:
        checker.problems.sort(key=lambda p: p[0])
        raise CatalogError([msg for _, msg in checker.problems])
    if spec is None:  # every path that yields no spec also records a problem
        raise CatalogError([gettext("catalog could not be read")])
    return spec


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """One message for a YAML syntax error, located where the parser gave up."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "syntax error"
    if exc.context:
        started = exc.context_mark
        if started is not None and mark is not None and started.line != mark.line:
            problem = f"{exc.context} (started on line {started.line + 1}): {problem}"
        else:
            problem = f"{exc.context}: {problem}"
    prefix = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{prefix}invalid YAML: {problem}"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Checker:
    """Walks the composed node tree, building specs and collecting (line, message) problems."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []
        self.languages: tuple[str, ...] = (SOURCE_LANGUAGE,)  # an older file without `languages` is English only

    def error(self, node: Node, message: str) -> None:
        line = _line(node)
        self.problems.append((line, gettext("line %(line)s: %(message)s", line=line, message=message)))

    # -- generic shapes ----------------------------------------------------------------------

    def mapping(self, node: Node | None, allowed: dict[str, bool], what: str,
                parent: Node | None = None) -> dict[str, tuple[Node, Node]] | None:
        """Key -> (key node, value node). Reports unknown, duplicate and missing required keys."""
        if not isinstance(node, MappingNode):
            self.error(node or parent, gettext("%(what)s must be a mapping", what=what))
            return None
        fields: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str) or key not in allowed:
                known = ", ".join(allowed)
                self.error(key_node, gettext("%(what)s: unknown key %(key)r (allowed: %(known)s)", what=what, key=key,
                                             known=known))
            elif key in fields:
                self.error(key_node, gettext("%(what)s: duplicate key %(key)r (first on line %(line)s)", what=what,
                                             key=key, line=_line(fields[key][0])))
            else:
                fields[key] = (key_node, value_node)
        for key, required in allowed.items():
            if required and key not in fields:
                self.error(node, gettext("%(what)s: missing required field %(key)r", what=what, key=key))
        return fields

    def text(self, fields: dict[str, tuple[Node, Node]], key: str, what: str,
             max_len: int | None = None) -> str | None:
        """A required non-empty string. YAML that resolves to a number, date or bool is refused."""
        if key not in fields:
            return None
        return self.scalar_text(*fields[key], f"{what}: {key}", max_len)

    def scalar_text(self, key_node: Node, node: Node, what: str, max_len: int | None = None) -> str | None:
        if isinstance(node, ScalarNode) and (node.tag == _NULL_TAG or (node.tag == _STR_TAG
                                                                       and not node.value.strip())):
            self.error(key_node, gettext("%(what)s must not be empty", what=what))
            return None
        if not isinstance(node, ScalarNode) or node.tag != _STR_TAG:
            self.error(node, gettext("%(what)s must be a string (quote it)", what=what))
            return None
        value = node.value.strip()
        if max_len is not None and len(value) > max_len:
            self.error(node, gettext("%(what)s is %(length)s characters long (at most %(limit)s)", what=what,
                                     length=len(value), limit=max_len))
        return value

    def texts(self, fields: dict[str, tuple[Node, Node]], key: str, what: str,
              max_len: int | None = None) -> dict[str, str] | None:
        """A text in every language of the file: ``{en: ..., zh-Hans: ...}``; a plain string in an English-only
        file. A missing, empty or unknown language is refused, naming the field and the language."""
        if key not in fields:
            return None
        return self.node_texts(*fields[key], f"{what}: {key}", max_len)

    def node_texts(self, key_node: Node, node: Node, what: str, max_len: int | None = None) -> dict[str, str] | None:
        wanted = self.languages
        if not isinstance(node, MappingNode):
            if wanted != (SOURCE_LANGUAGE,):
                self.error(node, gettext("%(what)s must give its text in each language of the file (%(languages)s), "
                                         "as {%(example)s: ...}", what=what, languages=", ".join(wanted),
                                         example=": ..., ".join(wanted)))
                return None
            value = self.scalar_text(key_node, node, what, max_len)
            return None if value is None else {SOURCE_LANGUAGE: value}
        out: dict[str, str] = {}
        for language_node, value_node in node.value:
            language = getattr(language_node, "value", None)
            if language not in wanted:
                self.error(language_node, gettext("%(what)s: language %(language)r is not one of the file's "
                                                  "languages (%(languages)s)", what=what, language=language,
                                                  languages=", ".join(wanted)))
            elif language in out:
                self.error(language_node, gettext("%(what)s: language %(language)r given twice", what=what,
                                                  language=language))
            else:
                value = self.scalar_text(language_node, value_node, f"{what} ({language})", max_len)
                if value is not None:
                    out[language] = value
        missing = [language for language in wanted if language not in out
                   and not any(getattr(k, "value", None) == language for k, _ in node.value)]
        for language in missing:
            self.error(node, gettext("%(what)s is missing its %(language)s text", what=what, language=language))
        return out if len(out) == len(wanted) else None

    def flag(self, fields: dict[str, tuple[Node, Node]], key: str, what: str, default: bool) -> bool:
        if key not in fields:
            return default
        node = fields[key][1]
        if not isinstance(node, ScalarNode) or node.tag != _BOOL_TAG:
            self.error(node, gettext("%(what)s: %(key)s must be true or false", what=what, key=key))
            return default
        return node.value.lower() in ("true", "yes", "on")

    def items(self, fields: dict[str, tuple[Node, Node]], key: str, what: str,
              required: bool = True) -> Iterator[Node]:
        """Elements of a sequence field; reports a wrong type or (if required) an empty list."""
        if key not in fields:
            return
        key_node, node = fields[key]
        if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
            if required:
                self.error(key_node, gettext("%(what)s: %(key)s must not be empty", what=what, key=key))
            return
        if not isinstance(node, SequenceNode):
            self.error(node, gettext("%(what)s: %(key)s must be a list", what=what, key=key))
            return
        if required and not node.value:
            self.error(node, gettext("%(what)s: %(key)s must not be empty", what=what, key=key))
        yield from node.value

    def strings(self, fields: dict[str, tuple[Node, Node]], key: str, what: str,
                required: bool = True) -> list[tuple[Node, str]]:
        out = []
        for item in self.items(fields, key, what, required):
            if not isinstance(item, ScalarNode) or item.tag != _STR_TAG:
                self.error(item, gettext("%(what)s: every entry of %(key)s must be a string (quote it)", what=what,
                                         key=key))
            elif not item.value.strip():
                self.error(item, gettext("%(what)s: %(key)s has an empty entry", what=what, key=key))
            else:
                out.append((item, item.value.strip()))
        return out

    def text_items(self, fields: dict[str, tuple[Node, Node]], key: str, what: str) -> list[dict[str, str]]:
        """A required list whose every entry is a text in each of the file's languages."""
        out = []
        for position, item in enumerate(self.items(fields, key, what), start=1):
            texts = self.node_texts(item, item, f"{what}: {key} entry {position}")
            if texts is not None:
                out.append(texts)
        return out

    # -- catalog parts -----------------------------------------------------------------------

    def catalog(self, root: Node | None, sha256: str) -> CatalogSpec | None:
        if root is None:
            self.problems.append((0, gettext("catalog file is empty")))
            return None
        top = self.mapping(root, _ROOT_KEYS, gettext("file"))
        if top is None:
            return None
        head = self.header(top.get("catalog"))
        stage_codes = {s.code for s in head["stages"]} if head else set()
        criteria = self.criteria(top.get("criteria"), stage_codes)
        if self.problems or head is None:
            return None
        criteria_line = _line(top["criteria"][0]) if "criteria" in top else 0
        return CatalogSpec(sha256=sha256, criteria=criteria, criteria_line=criteria_line, **head)

    def header(self, pair: tuple[Node, Node] | None) -> dict | None:
        if pair is None:
            return None
        fields = self.mapping(pair[1], _CATALOG_KEYS, "catalog", parent=pair[0])
        if fields is None:
            return None
        key = self.text(fields, "key", "catalog", MAX_KEY)
        if key is not None and not KEY_RE.match(key):
            self.error(fields["key"][1],
                       gettext("catalog: key %(key)r must be lower-case letters, digits and hyphens", key=key))
        self.languages = self.file_languages(fields)
        names = self.texts(fields, "name", "catalog", MAX_NAME)
        version = self.text(fields, "version", "catalog", MAX_VERSION)
        released = self.released(fields)
        descriptions = self.texts(fields, "description", "catalog")
        stages = self.stages(fields)
        source, translations = split_translations({"name": names or {}, "description": descriptions or {}})
        for stage in stages:  # the stage names too, for a pipeline stage with no name of its own in a language
            for language, texts in stage.translations.items():
                translations.setdefault(language, {}).setdefault("stages", {})[stage.code] = texts["name"]
        return {"key": key, "version": version, "released": released, "stages": stages,
                "languages": self.languages, "translations": translations,
                "name": source.get("name"), "description": source.get("description")}

    def file_languages(self, fields: dict[str, tuple[Node, Node]]) -> tuple[str, ...]:
        """The languages every text of the file is written in (`languages: [en, zh-Hans]`); English first and
        always, only known languages (reviewboard.core.language.LANGUAGES)."""
        if "languages" not in fields:
            return (SOURCE_LANGUAGE,)
        found: list[str] = []
        for item, language in self.strings(fields, "languages", "catalog"):
            if language not in LANGUAGES:
                self.error(item, gettext("catalog: unknown language %(language)r (known: %(known)s)",
                                         language=language, known=", ".join(LANGUAGES)))
            elif language not in found:
                found.append(language)
        if found and found[0] != SOURCE_LANGUAGE:
            self.error(fields["languages"][1], gettext("catalog: languages must list %(language)s first",
                                                       language=SOURCE_LANGUAGE))
        return tuple(found) if found and found[0] == SOURCE_LANGUAGE else (SOURCE_LANGUAGE,)

    def released(self, fields: dict[str, tuple[Node, Node]]) -> str | None:
        if "released" not in fields:
            return None
        node = fields["released"][1]
        value = node.value.strip() if isinstance(node, ScalarNode) else None
        if (not isinstance(node, ScalarNode) or node.tag not in (_STR_TAG, "tag:yaml.org,2002:timestamp")
                or not DATE_RE.match(value or "")):
            self.error(node, gettext("catalog: released must be a date written YYYY-MM-DD"))
            return None
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            self.error(node, gettext("catalog: released %(value)r is not a real date", value=value))
            return None
        return value

    def stages(self, fields: dict[str, tuple[Node, Node]]) -> tuple[StageSpec, ...]:
        stages: list[StageSpec] = []
        seen: dict[str, int] = {}
        for item in self.items(fields, "stages", "catalog"):
            stage = self.mapping(item, _STAGE_KEYS, "stage")
            if stage is None:
                continue
            code = self.text(stage, "code", "stage")
            names = self.texts(stage, "name", gettext("stage %(code)s", code=code) if code else "stage", MAX_NAME)
            if code is None or names is None:
                continue
            code_node = stage["code"][1]
            if not STAGE_CODE_RE.match(code):
                self.error(code_node, gettext("stage: code %(code)r must be three capital letters", code=code))
            elif code in seen:
                self.error(code_node, gettext("stage: duplicate code %(code)r (first on line %(line)s)", code=code,
                                              line=seen[code]))
            else:
                seen[code] = _line(code_node)
                source, translations = split_translations({"name": names})
                stages.append(StageSpec(code=code, translations=translations, **source))
        return tuple(stages)

    def criteria(self, pair: tuple[Node, Node] | None, stage_codes: set[str]) -> tuple[CriterionSpec, ...]:
        if pair is None:
            return ()
        key_node, node = pair
        if not isinstance(node, SequenceNode) or not node.value:
            self.error(node if isinstance(node, SequenceNode) else key_node,
                       gettext("criteria must be a non-empty list"))
            return ()
        out: list[CriterionSpec] = []
        seen: dict[str, int] = {}
        for position, item in enumerate(node.value, start=1):
            spec = self.criterion(item, position, stage_codes, seen)
            if spec is not None:
                out.append(spec)
        return tuple(out)

    def criterion(self, node: Node, position: int, stage_codes: set[str],
                  seen: dict[str, int]) -> CriterionSpec | None:
        what = gettext("criterion #%(position)s", position=position)
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if (getattr(key_node, "value", None) == "id" and isinstance(value_node, ScalarNode)
                        and value_node.tag == _STR_TAG and value_node.value.strip()):
                    what = gettext("criterion %(id)s", id=value_node.value.strip())
                    break
        fields = self.mapping(node, _CRITERION_KEYS, what)
        if fields is None:
            return None

        cid = self.text(fields, "id", what)
        stage = self.text(fields, "stage", what)
        if cid is not None:
            id_node = fields["id"][1]
            match = ID_RE.match(cid)
            if match is None:
                self.error(id_node, gettext("%(what)s: id must look like RB-DES-01 (PREFIX-STAGE-NN)", what=what))
            elif stage is not None and match.group(1) != stage:
                self.error(id_node, gettext("%(what)s: id stage part %(part)r does not match stage %(stage)r",
                                            what=what, part=match.group(1), stage=stage))
            if cid in seen:
                self.error(id_node, gettext("%(what)s: duplicate id %(id)r (first on line %(line)s)", what=what,
                                            id=cid, line=seen[cid]))
            else:
                seen[cid] = _line(id_node)
        if stage is not None and stage not in stage_codes:
            declared = ", ".join(sorted(stage_codes)) or gettext("none")
            self.error(fields["stage"][1], gettext("%(what)s: stage %(stage)r is not declared (declared: %(declared)s)",
                                                   what=what, stage=stage, declared=declared))

        titles = self.texts(fields, "title", what, MAX_TITLE)
        questions = self.texts(fields, "question", what)
        for language, question in (questions or {}).items():
            if not question.endswith(("?", "？")):
                self.error(fields["question"][1], gettext("%(what)s: question (%(language)s) must end with '?'",
                                                          what=what, language=language))
        guidances = self.texts(fields, "guidance", what)
        evidence = self.text_items(fields, "evidence_types", what)

        tiers: list[str] = []
        for item, tier in self.strings(fields, "tiers", what):
            if tier not in TIERS:
                self.error(item, gettext("%(what)s: unknown tier %(tier)r (allowed: %(allowed)s)", what=what,
                                         tier=tier, allowed=", ".join(TIERS)))
            elif tier in tiers:
                self.error(item, gettext("%(what)s: tier %(tier)r listed twice", what=what, tier=tier))
            else:
                tiers.append(tier)

        applicability = self.text(fields, "applicability", what)
        if applicability is not None and applicability not in APPLICABILITY:
            self.error(fields["applicability"][1], gettext("%(what)s: unknown applicability %(value)r (allowed: "
                                                           "%(allowed)s)", what=what, value=applicability,
                                                           allowed=", ".join(APPLICABILITY)))

        refs = [ref for item in self.items(fields, "refs", what)
                if (ref := self.source_ref(item, what)) is not None]

        mit_codes: list[str] = []
        for item, code in self.strings(fields, "mit_codes", what, required=False):
            if not MIT_CODE_RE.match(code):
                self.error(item, gettext("%(what)s: MIT code %(code)r must be dotted numbers such as '2.2.1'",
                                         what=what, code=code))
            else:
                mit_codes.append(code)
        deprecated = self.flag(fields, "deprecated", what, default=False)

        if None in (cid, stage, titles, questions, guidances, applicability):
            return None
        source, translations = split_translations({"title": titles, "question": questions, "guidance": guidances})
        for language in self.languages[1:]:
            translations[language]["evidence_types"] = [e[language] for e in evidence]
        return CriterionSpec(id=cid, stage=stage, evidence_types=tuple(e[SOURCE_LANGUAGE] for e in evidence),
                             tiers=tuple(tiers), applicability=applicability, refs=tuple(refs),
                             mit_codes=tuple(mit_codes), deprecated=deprecated, line=_line(node),
                             translations=translations, **source)

    def source_ref(self, node: Node, what: str) -> SourceRef | None:
        fields = self.mapping(node, _REF_KEYS, f"{what}: ref")
        if fields is None:
            return None
        framework = self.text(fields, "framework", f"{what}: ref")
        if framework is not None and framework not in FRAMEWORKS:
            self.error(fields["framework"][1], gettext("%(what)s: unknown framework %(value)r (allowed: %(allowed)s)",
                                                       what=what, value=framework, allowed=", ".join(FRAMEWORKS)))
            framework = None
        ref, translations = self.ref_texts(fields, what)
        if "verified" not in fields:
            return None
        verified = self.flag(fields, "verified", f"{what}: ref", default=False)
        if framework is None or ref is None:
            return None
        return SourceRef(framework=framework, ref=ref, verified=verified, translations=translations)

    def ref_texts(self, fields: dict[str, tuple[Node, Node]], what: str) -> tuple[str | None, dict]:
        """A ref's English and its other languages: a clause number or code stays a plain string ("5.1",
        "MAP 2", "Art. 6"); a ref in words is ``{en: ..., zh-Hans: ...}`` in a file of several languages."""
        if "ref" not in fields:
            return None, {}
        key_node, node = fields["ref"]
        if isinstance(node, MappingNode):
            texts = self.node_texts(key_node, node, f"{what}: ref")
            if texts is None:
                return None, {}
            source, translations = split_translations({"ref": texts})
            return source["ref"], translations
        ref = self.scalar_text(key_node, node, f"{what}: ref")
        if ref is not None and self.languages != (SOURCE_LANGUAGE,) and not CODE_REF_RE.match(ref):
            self.error(node, gettext("%(what)s: ref %(ref)r is in words, so give it in each language of the file "
                                     "(%(languages)s), as {%(example)s: ...}; clause numbers and codes such as "
                                     "'5.1' or 'MAP 2' stay plain", what=what, ref=ref,
                                     languages=", ".join(self.languages), example=": ..., ".join(self.languages)))
            return None, {}
        return ref, {}
