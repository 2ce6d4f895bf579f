"""Pipelines as versioned data: the shipped pipelines, drafts a chair edits, publishing and retiring,
YAML export and import (the difference between two versions: pipelines/diff.py).

A published version is never edited: a change is made in a draft (a copy of the newest published
version) and applies to projects registered after it is published. A project pins the version it was
registered under, and each stage review pins its pipeline stage row, so a running review keeps the
version it started with. Every change is audited. Services flush; the caller's boundary commits.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from importlib import resources

from flask_babel import gettext as _
from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import record_event
from reviewboard.catalogs.models import Catalog
from reviewboard.catalogs.schema import KEY_RE, shipped_catalog_path
from reviewboard.catalogs.services import find_catalog, import_catalog_file, latest_catalog
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.core.language import current_language, translated
from reviewboard.extensions import db
from reviewboard.pipelines import permissions as perms
from reviewboard.pipelines.labels import STATUS_NAMES
from reviewboard.pipelines.models import Pipeline, PipelineStage
from reviewboard.pipelines.schema import (
    STAGE_FIELDS,
    CatalogInfo,
    PipelineFileError,
    check_rules,
    check_stage,
    dump_pipeline,
    parse_pipeline,
)
from reviewboard.projects.models import Project

log = logging.getLogger("reviewboard.pipelines")

DEFAULT_KEY = "standard"
SHIPPED_FILES = ("standard.yaml", "generative-ai.yaml", "internal-tool.yaml")  # the first is the default
# later versions of shipped pipelines, in the order they are published: (file, the catalog file it needs, its version
# number, the shipped file of the version it follows: None when that is version 1), stored by
# ensure_shipped_versions(). Catalog 1.3.0 gives every criterion in English and Chinese.
SHIPPED_VERSIONS = (("standard-v2.yaml", "rb-tc260-lifecycle-1.2.0.yaml", 2, None),
                    ("standard-v3.yaml", "rb-tc260-lifecycle-1.3.0.yaml", 3, "standard-v2.yaml"),
                    ("generative-ai-v2.yaml", "rb-tc260-lifecycle-1.3.0.yaml", 2, None),
                    ("internal-tool-v2.yaml", "rb-tc260-lifecycle-1.3.0.yaml", 2, None))
RESERVED_KEYS = {"new", "import", "drafts"}  # /pipelines/<key> would collide with these pages


# -- look-ups ----------------------------------------------------------------------------------------


def versions(key: str) -> list[Pipeline]:
    """Every version of a pipeline, newest first."""
    return list(db.session.scalars(select(Pipeline).where(Pipeline.key == key).order_by(Pipeline.version.desc())))


def find_version(key: str, version: int) -> Pipeline | None:
    return db.session.scalar(select(Pipeline).where(Pipeline.key == key, Pipeline.version == version))


def current_version(key: str) -> Pipeline | None:
    """The version new projects follow: the newest published one (None once retired or never published)."""
    return db.session.scalar(select(Pipeline).where(Pipeline.key == key, Pipeline.status == "published")
                             .order_by(Pipeline.version.desc()).limit(1))


def draft_of(key: str) -> Pipeline | None:
    return db.session.scalar(select(Pipeline).where(Pipeline.key == key, Pipeline.status == "draft"))


def pipeline_keys() -> list[str]:
    keys = db.session.scalars(select(Pipeline.key).distinct()).all()
    return sorted(keys, key=lambda k: (k != DEFAULT_KEY, k))


def pipeline_names(language: str | None = None) -> dict[str, str]:
    """{key: its newest version's name in ``language`` (default: the reader's)} of every pipeline, in the order of
    :func:`pipeline_keys`: what a filter offers (one statement)."""
    language = language or current_language()
    rows = db.session.execute(select(Pipeline.key, Pipeline.name, Pipeline.translations).order_by(
        Pipeline.status == "published", Pipeline.version))
    # the newest published version's name comes last (a key with none yet: its newest draft's)
    names = {row.key: translated(row, "name", language) for row in rows}
    return {key: names[key] for key in sorted(names, key=lambda k: (k != DEFAULT_KEY, k))}


def active_pipelines() -> list[Pipeline]:
    """The pipelines a project can be registered under (each one's current version), the default first."""
    return [p for key in pipeline_keys() if (p := current_version(key)) is not None]


def stage_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Every stage code the pipelines use, with its name in ``language`` (default: the reader's): the default
    pipeline's stages in order (its newest version's name), then codes only other pipelines or versions have."""
    language = language or current_language()
    rows = db.session.execute(select(PipelineStage.code, PipelineStage.name, PipelineStage.translations).join(
        Pipeline).order_by(Pipeline.key != DEFAULT_KEY, Pipeline.key, Pipeline.version.desc(), PipelineStage.position))
    names: dict[str, str] = {}
    for row in rows:
        names.setdefault(row.code, translated(row, "name", language))
    return list(names.items())


def projects_using(key: str) -> dict[int, int]:
    """Number of projects pinned to each version (by pipeline id) of ``key``."""
    rows = db.session.execute(select(Project.pipeline_id, func.count(Project.id)).join(
        Pipeline, Project.pipeline_id == Pipeline.id).where(Pipeline.key == key).group_by(Project.pipeline_id))
    return {pipeline_id: count for pipeline_id, count in rows}


def catalog_info(catalog: Catalog) -> CatalogInfo:
    return CatalogInfo(label=catalog.label, version=catalog.version,
                       stages=frozenset(c.stage_code for c in catalog.criteria),
                       criteria={c.code: c.deprecated for c in catalog.criteria})


def _lookup_catalog(key: str, version: str | None) -> CatalogInfo | None:
    catalog = find_catalog(key, version) if version else latest_catalog(key)
    return catalog_info(catalog) if catalog is not None else None


def decision_due(stage: PipelineStage, submitted_at: datetime) -> datetime | None:
    """When a decision on a stage (re)submitted at ``submitted_at`` is due, from the stage's due_days."""
    return submitted_at + timedelta(days=stage.due_days) if stage.due_days else None


# -- data form (the export format) -------------------------------------------------------------------


def stage_data(stage: PipelineStage) -> dict:
    return {"code": stage.code, "name": stage.name, "tiers": list(stage.tiers), "quorum": stage.quorum,
            "reviewers": stage.reviewers, "due_days": stage.due_days,
            "criteria": [dict(c) for c in stage.criteria] if stage.criteria is not None else None,
            "required_roles": [dict(r) for r in stage.required_roles or []],
            "recurrence": dict(stage.recurrence) if stage.recurrence else None, "retired": stage.retired,
            "translations": dict(stage.translations or {})}


def pipeline_data(pipeline: Pipeline) -> dict:
    return {"key": pipeline.key, "name": pipeline.name, "description": pipeline.description,
            "catalog": pipeline.catalog.key, "catalog_version": pipeline.catalog.version,
            "version": pipeline.version, "change_note": pipeline.change_note,
            "translations": dict(pipeline.translations or {}),
            "stages": [stage_data(s) for s in pipeline.stages]}


def export_pipeline(pipeline: Pipeline) -> str:
    header = (f"# ReviewBoard pipeline {pipeline.key}, version {pipeline.version} ({pipeline.status}).\n"
              "# Import with `reviewboard pipeline import FILE`: it becomes the next version of this pipeline.")
    return dump_pipeline(pipeline_data(pipeline), header)


def _new_stage(position: int, s: dict) -> PipelineStage:
    return PipelineStage(position=position, **{k: s[k] for k in STAGE_FIELDS if k != "translations"},
                         translations=s.get("translations") or {})


def _audit_state(pipeline: Pipeline) -> dict:
    return {"key": pipeline.key, "version": pipeline.version, "status": pipeline.status}


# -- shipped pipelines -------------------------------------------------------------------------------


def ensure_shipped_pipelines(actor=None) -> list[Pipeline]:
    """Publish version 1 of every pipeline shipped in pipelines/data/ that does not exist yet, once."""
    created = []
    for filename in SHIPPED_FILES:
        text = resources.files("reviewboard.pipelines").joinpath(f"data/{filename}").read_text()
        spec = parse_pipeline(text, filename, _lookup_catalog)
        if versions(spec.data["key"]):
            continue
        created.append(_store(actor, spec.data, "published", source=filename))
    return created


def ensure_shipped_versions(actor=None) -> list[Pipeline]:
    """Publish each later shipped version (SHIPPED_VERSIONS) whose number the pipeline has not reached yet,
    importing the catalog version it draws on first. A pipeline a chair has already taken to that version
    (or has a draft of), or whose newest version is not the shipped one it follows, is left as it is: its chairs
    import the file themselves if they want it. Projects keep the version they were registered under (and their
    reviews the catalog version they pinned). Returns the versions stored."""
    created, imported = [], set()
    for filename, catalog_file, wanted, follows in SHIPPED_VERSIONS:
        text = resources.files("reviewboard.pipelines").joinpath(f"data/{filename}").read_text()
        if catalog_file not in imported:  # several versions draw on one catalog file: read and check it once
            import_catalog_file(actor, shipped_catalog_path(catalog_file))
            imported.add(catalog_file)
        spec = parse_pipeline(text, filename, _lookup_catalog)
        key = spec.data["key"]
        existing = versions(key)
        if not existing or existing[0].version >= wanted or draft_of(key) is not None:
            continue
        if existing[0].version != wanted - 1 or (follows is not None and not _stored_from(existing[0], follows)):
            continue  # shipped as the version after the shipped one before it; anything else is a chair's history
        created.append(_store(actor, spec.data, "published", source=filename))
    return created


def _stored_from(pipeline: Pipeline, filename: str) -> bool:
    """Whether ``pipeline`` was stored from the shipped file ``filename`` (its pipeline.imported event says so)."""
    payloads = db.session.scalars(select(AuditEvent.payload).where(
        AuditEvent.action == "pipeline.imported", AuditEvent.object_type == "pipeline",
        AuditEvent.object_id == str(pipeline.id)))
    return any((json.loads(payload).get("after") or {}).get("source") == filename for payload in payloads)


def ensure_default_pipeline(actor=None) -> Pipeline:
    """Create the shipped pipelines (once) and return the current version of the standard one."""
    try:
        ensure_shipped_pipelines(actor)
    except PipelineFileError as exc:
        raise ServiceError(_("Import the criteria catalog before creating the pipelines (%(problem)s).",
                             problem=exc.errors[0])) from None
    return current_version(DEFAULT_KEY) or versions(DEFAULT_KEY)[0]


def _store(actor, data: dict, status: str, source: str) -> Pipeline:
    """Store ``data`` (already validated) as the next version of its key."""
    key = data["key"]
    catalog = find_catalog(data["catalog"], data["catalog_version"]) if data.get("catalog_version") else \
        latest_catalog(data["catalog"])
    latest = db.session.scalar(select(func.max(Pipeline.version)).where(Pipeline.key == key)) or 0
    pipeline = Pipeline(key=key, name=data["name"], description=data.get("description") or "",
                        version=latest + 1, catalog_id=catalog.id, status=status,
                        created_by_id=actor.id if actor is not None else None,
                        change_note=data.get("change_note") or "", translations=data.get("translations") or {})
    for position, s in enumerate(data["stages"], start=1):
        pipeline.stages.append(_new_stage(position, s))
    db.session.add(pipeline)
    db.session.flush()
    record_event(actor, "pipeline.imported", "pipeline", pipeline.id,
                 after={**_audit_state(pipeline), "source": source, "catalog": catalog.label,
                        "stages": [s["code"] for s in data["stages"]]})
    log.info("pipeline %s v%s stored as %s from %s", key, pipeline.version, status, source)
    return pipeline


# -- import and export -------------------------------------------------------------------------------


def parse_pipeline_file(text: str | bytes, source: str):
    """Validate a pipeline file against the catalogs stored here. Raises PipelineFileError."""
    return parse_pipeline(text, source, _lookup_catalog)


def import_pipeline(actor, text: str | bytes, source: str = "pipeline.yaml", publish: bool = False) -> Pipeline:
    """Store a pipeline file as the next version of its key, as a draft (or published).

    Raises PipelineFileError (every problem, line by line), NotPermitted, or Conflict when the key
    already has a draft (publish or discard it first).
    """
    if actor is not None and not perms.can_configure_pipelines(actor):
        raise NotPermitted(_("Only a chair can import pipelines."))
    spec = parse_pipeline_file(text, source)
    if spec.data["key"] in RESERVED_KEYS:
        raise ServiceError(_("The key '%(key)s' is reserved; choose another.", key=spec.data["key"]))
    existing = draft_of(spec.data["key"])
    if existing is not None:
        raise Conflict(_("Pipeline %(key)s already has a draft (version %(version)s); publish or discard it first.",
                         key=spec.data["key"], version=existing.version))
    return _store(actor, spec.data, "published" if publish else "draft", source)


# -- drafts ------------------------------------------------------------------------------------------


def _check_chair(actor) -> None:
    if not perms.can_configure_pipelines(actor):
        raise NotPermitted(_("Only a chair can configure pipelines."))


def _editable(actor, pipeline: Pipeline) -> None:
    _check_chair(actor)
    if pipeline.status != "draft":
        raise Conflict(_("Version %(version)s of %(pipeline)s is %(status)s; only a draft can be changed. Start a "
                         "new version.", version=pipeline.version, pipeline=translated(pipeline, "name"),
                         status=STATUS_NAMES.get(pipeline.status, pipeline.status)))


def create_pipeline(actor, key: str, name: str, description: str, catalog: Catalog) -> Pipeline:
    """A new pipeline: version 1 as an empty draft on ``catalog``."""
    _check_chair(actor)

    key = key.strip().lower()
    if not KEY_RE.match(key):
        raise ServiceError(_("Use lower-case letters, digits and hyphens, such as 'medical-devices'."), "key")
    if key in RESERVED_KEYS:
        raise ServiceError(_("The key '%(key)s' is reserved; choose another.", key=key), "key")
    if versions(key):
        raise ServiceError(_("A pipeline with the key '%(key)s' exists already.", key=key), "key")
    if not name.strip():
        raise ServiceError(_("Give the pipeline a name."), "name")
    pipeline = Pipeline(key=key, name=name.strip(), description=description.strip(), version=1,
                        catalog_id=catalog.id, status="draft", created_by_id=actor.id, change_note="First version.")
    db.session.add(pipeline)
    db.session.flush()
    record_event(actor, "pipeline.created", "pipeline", pipeline.id, after={**_audit_state(pipeline),
                                                                            "catalog": catalog.label})
    log.info("pipeline %s created as a draft by %s", key, actor.id)
    return pipeline


def new_version(actor, key: str) -> Pipeline:
    """A draft copying the newest published (else newest) version of ``key``: the next version number."""
    _check_chair(actor)
    existing = draft_of(key)
    if existing is not None:
        raise Conflict(_("Version %(version)s of this pipeline is already a draft: edit it.",
                         version=existing.version))
    all_versions = versions(key)
    if not all_versions:
        raise ServiceError(_("There is no pipeline '%(key)s'.", key=key))
    base = current_version(key) or all_versions[0]
    draft = Pipeline(key=key, name=base.name, description=base.description, version=all_versions[0].version + 1,
                     catalog_id=base.catalog_id, status="draft", created_by_id=actor.id, change_note="",
                     translations=dict(base.translations or {}))  # the name in the other languages too
    for s in base.stages:
        draft.stages.append(_new_stage(s.position, stage_data(s)))
    db.session.add(draft)
    db.session.flush()
    record_event(actor, "pipeline.draft_started", "pipeline", draft.id,
                 after={**_audit_state(draft), "copied_from_version": base.version})
    log.info("pipeline %s v%s drafted from v%s by %s", key, draft.version, base.version, actor.id)
    return draft


def update_details(actor, draft: Pipeline, name: str, description: str, change_note: str,
                   translations: dict | None = None) -> None:
    """Change a draft's name, description and change note; ``translations`` (``{"zh-Hans": {"name": ...,
    "description": ...}}``, None: unchanged) gives the name and description in the other languages, an empty text
    leaving that language to fall back to English."""
    _editable(actor, draft)
    if not name.strip():
        raise ServiceError(_("Give the pipeline a name."), "name")
    before = {"name": draft.name, "description": draft.description, "change_note": draft.change_note,
              "translations": dict(draft.translations or {})}
    draft.name, draft.description, draft.change_note = name.strip(), description.strip(), change_note.strip()
    if translations is not None:
        draft.translations = _texts(translations)
    after = {"name": draft.name, "description": draft.description, "change_note": draft.change_note,
             "translations": dict(draft.translations or {})}
    if before != after:
        db.session.flush()
        record_event(actor, "pipeline.details_updated", "pipeline", draft.id, before=before, after=after)
        log.info("pipeline %s v%s details changed by %s", draft.key, draft.version, actor.id)


def _texts(translations: dict) -> dict:
    """``{language: {field: text}}`` without empty texts and languages left with none (they read as English)."""
    out = {}
    for language, texts in translations.items():
        kept = {name: text.strip() for name, text in texts.items() if text and text.strip()}
        if kept:
            out[language] = kept
    return out


def _stage_problem(draft: Pipeline, data: dict, index: int):
    problems = check_stage(f"stages[{index}]", data, catalog_info(draft.catalog))
    if problems:
        first = problems[0]
        field = first.path.split(".", 1)[1].split("[", 1)[0].split(".", 1)[0] if "." in first.path else None
        raise ServiceError(_("%(problem)s.", problem=first.message[:1].upper() + first.message[1:]), field)


def update_stage(actor, stage: PipelineStage, changes: dict) -> None:
    """Change a draft stage's fields (name, tiers, quorum, reviewers, due_days, criteria, recurrence).

    Raises ServiceError naming the field when a rule refuses a value (quorum above reviewers, a criterion
    not in the catalog version or deprecated, ...)."""
    draft = stage.pipeline
    _editable(actor, draft)
    unknown = set(changes) - set(STAGE_FIELDS) - {"name"}
    if unknown or {"code", "retired", "required_roles"} & set(changes):
        raise ServiceError(_("These fields cannot be set here: %(fields)s.",
                             fields=", ".join(sorted(set(changes) - {"name"}))))
    if "translations" in changes:
        changes = {**changes, "translations": _texts(changes["translations"])}
    before = stage_data(stage)
    after = {**before, **changes}
    _stage_problem(draft, after, draft.stages.index(stage))
    for key, value in changes.items():
        setattr(stage, key, value)
    changed = {k for k in changes if before[k] != after[k]}
    if changed:
        db.session.flush()
        record_event(actor, "pipeline.stage_updated", "pipeline", draft.id,
                     before={"stage": stage.code, **{k: before[k] for k in sorted(changed)}},
                     after={"stage": stage.code, **{k: after[k] for k in sorted(changed)}})
        log.info("pipeline %s v%s stage %s changed (%s) by %s", draft.key, draft.version, stage.code,
                 ", ".join(sorted(changed)), actor.id)


def add_stage(actor, draft: Pipeline, code: str, name: str, translations: dict | None = None) -> PipelineStage:
    """Append the catalog stage ``code`` to a draft, named ``name`` (and ``translations``: its name in the other
    languages, ``{"zh-Hans": {"name": ...}}``), with the default rules: every tier, 2 of 2 reviewers."""
    _editable(actor, draft)
    if code in {s.code for s in draft.stages}:
        raise ServiceError(_("This pipeline has a %(code)s stage already.", code=code), "code")
    data = {"code": code, "name": name.strip(), "tiers": ["low", "medium", "high"], "quorum": 2, "reviewers": 2,
            "due_days": None, "criteria": None, "required_roles": [], "recurrence": None, "retired": False,
            "translations": _texts(translations or {})}
    _stage_problem(draft, data, len(draft.stages))
    position = max((s.position for s in draft.stages), default=0) + 1
    stage = _new_stage(position, data)
    draft.stages.append(stage)
    db.session.flush()
    record_event(actor, "pipeline.stage_added", "pipeline", draft.id,
                 after={"stage": code, "name": stage.name, "position": position, "translations": stage.translations})
    log.info("pipeline %s v%s stage %s added by %s", draft.key, draft.version, code, actor.id)
    return stage


def remove_stage(actor, stage: PipelineStage) -> None:
    """Take a stage out of a draft (earlier versions keep it; retire it to keep it visibly in the draft)."""
    draft = stage.pipeline
    _editable(actor, draft)
    before = stage_data(stage)
    draft.stages.remove(stage)
    db.session.flush()
    record_event(actor, "pipeline.stage_removed", "pipeline", draft.id, before=before)
    log.info("pipeline %s v%s stage %s removed by %s", draft.key, draft.version, before["code"], actor.id)


def move_stage(actor, stage: PipelineStage, direction: str) -> None:
    """Swap a draft stage with its neighbour ('up' or 'down'); at either end nothing changes."""
    draft = stage.pipeline
    _editable(actor, draft)
    order = list(draft.stages)
    index = order.index(stage)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(order):
        return
    other = order[other_index]
    mine, theirs = stage.position, other.position
    # positions are unique per pipeline and checked row by row: park one stage while swapping
    stage.position = 0
    db.session.flush()
    other.position = mine
    db.session.flush()
    stage.position = theirs
    db.session.flush()
    db.session.expire(draft, ["stages"])
    record_event(actor, "pipeline.stage_moved", "pipeline", draft.id,
                 before={"order": [s.code for s in order]}, after={"order": [s.code for s in draft.stages]})
    log.info("pipeline %s v%s stage %s moved %s by %s", draft.key, draft.version, stage.code, direction, actor.id)


def set_stage_retired(actor, stage: PipelineStage, retired: bool) -> None:
    """A retired stage stays in the version (and its history) but new projects skip it."""
    draft = stage.pipeline
    _editable(actor, draft)
    if stage.retired == retired:
        return
    stage.retired = retired
    db.session.flush()
    record_event(actor, "pipeline.stage_retired" if retired else "pipeline.stage_restored", "pipeline", draft.id,
                 before={"stage": stage.code, "retired": not retired}, after={"stage": stage.code, "retired": retired})
    log.info("pipeline %s v%s stage %s retired=%s by %s", draft.key, draft.version, stage.code, retired, actor.id)


def add_role_rule(actor, stage: PipelineStage, expertise: str, tiers: list[str], when: str | None) -> None:
    draft = stage.pipeline
    _editable(actor, draft)
    rule: dict = {"expertise": expertise}
    if tiers:
        rule["tiers"] = list(tiers)
    if when:
        rule["when"] = when
    if rule in (stage.required_roles or []):
        raise ServiceError(_("This stage has that rule already."), "expertise")
    data = {**stage_data(stage), "required_roles": [*(stage.required_roles or []), rule]}
    _stage_problem(draft, data, draft.stages.index(stage))
    stage.required_roles = data["required_roles"]
    db.session.flush()
    record_event(actor, "pipeline.role_rule_added", "pipeline", draft.id, after={"stage": stage.code, "rule": rule})
    log.info("pipeline %s v%s stage %s: rule %s added by %s", draft.key, draft.version, stage.code, rule, actor.id)


def remove_role_rule(actor, stage: PipelineStage, index: int) -> None:
    draft = stage.pipeline
    _editable(actor, draft)
    rules = list(stage.required_roles or [])
    if not 0 <= index < len(rules):
        raise ServiceError(_("That rule does not exist (any more)."))
    rule = rules.pop(index)
    stage.required_roles = rules
    db.session.flush()
    record_event(actor, "pipeline.role_rule_removed", "pipeline", draft.id, before={"stage": stage.code, "rule": rule})
    log.info("pipeline %s v%s stage %s: rule %s removed by %s", draft.key, draft.version, stage.code, rule, actor.id)


def publish_problems(draft: Pipeline) -> list[str]:
    """Why ``draft`` cannot be published yet (empty when it can), in the words of the file checks."""
    return [str(p) for p in check_rules(pipeline_data(draft), catalog_info(draft.catalog))]


def publish(actor, draft: Pipeline) -> None:
    """Make ``draft`` the version new projects follow. Running reviews keep the version they started with.

    Raises ServiceError listing what is wrong (no stage, quorum above reviewers, criteria missing from
    or deprecated in the catalog version, ...)."""
    _editable(actor, draft)
    problems = publish_problems(draft)
    if problems:
        raise ServiceError(_("Not published: %(problems)s.", problems="; ".join(problems)))
    draft.status = "published"
    db.session.flush()
    record_event(actor, "pipeline.published", "pipeline", draft.id, before={"status": "draft"},
                 after={**_audit_state(draft), "change_note": draft.change_note,
                        "stages": [s.code for s in draft.active_stages]})
    log.info("pipeline %s v%s published by %s", draft.key, draft.version, actor.id)


def discard_draft(actor, draft: Pipeline) -> None:
    _editable(actor, draft)
    state, draft_id = _audit_state(draft), draft.id
    db.session.delete(draft)
    db.session.flush()
    record_event(actor, "pipeline.draft_discarded", "pipeline", draft_id, before=state)
    log.info("pipeline %s v%s draft discarded by %s", state["key"], state["version"], actor.id)


def retire_pipeline(actor, key: str) -> None:
    """No new project can choose ``key`` any more; projects under it keep their version."""
    _check_chair(actor)
    published = [p for p in versions(key) if p.status == "published"]
    if not published:
        raise Conflict(_("This pipeline has no published version to retire."))
    if not [p for p in active_pipelines() if p.key != key]:
        raise ServiceError(_("This is the only pipeline projects can be registered under; publish another first."))
    for p in published:
        p.status = "retired"
    db.session.flush()
    record_event(actor, "pipeline.retired", "pipeline", published[0].id, before={"status": "published"},
                 after={"key": key, "status": "retired", "versions": [p.version for p in published]})
    log.info("pipeline %s retired by %s", key, actor.id)
