"""Pipelines as data: the shipped default and look-ups."""

from __future__ import annotations

from importlib import resources

import yaml
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.catalogs.services import latest_catalog
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db
from reviewboard.pipelines.models import Pipeline, PipelineStage


def default_pipeline_spec() -> dict:
    return yaml.safe_load(resources.files("reviewboard.pipelines").joinpath("data/standard.yaml").read_text())


def ensure_default_pipeline(actor=None) -> Pipeline:
    """Create the standard pipeline (version 1) bound to the newest catalog, once."""
    spec = default_pipeline_spec()
    existing = db.session.scalar(select(Pipeline).where(Pipeline.key == spec["key"]).order_by(
        Pipeline.version.desc()).limit(1))
    if existing is not None:
        return existing
    catalog = latest_catalog(spec["catalog"])
    if catalog is None:
        raise ServiceError(f"Import the catalog {spec['catalog']!r} before creating the pipeline.")
    pipeline = Pipeline(key=spec["key"], name=spec["name"], version=1, catalog_id=catalog.id)
    for position, s in enumerate(spec["stages"], start=1):
        pipeline.stages.append(PipelineStage(position=position, code=s["code"], name=s["name"],
                                             quorum=int(s.get("quorum", 2)), tiers=list(s["tiers"])))
    db.session.add(pipeline)
    db.session.flush()
    record_event(actor, "pipeline.created", "pipeline", pipeline.id,
                 after={"key": pipeline.key, "version": 1, "catalog": catalog.label,
                        "stages": [s["name"] for s in spec["stages"]]})
    return pipeline


def active_pipelines() -> list[Pipeline]:
    return list(db.session.scalars(select(Pipeline).order_by(Pipeline.name, Pipeline.version.desc())))
