"""What a list of projects shows of each one: its own columns (ProjectLine) and of its stages (its current stage,
latest decision and next periodic review), the stages read for a whole page of projects in one statement of plain
rows: no StageReview or PipelineStage objects, none of their JSON rules, and nothing a template could load lazily
row by row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Text, cast, select

from reviewboard.core.language import translated
from reviewboard.extensions import db
from reviewboard.pipelines.models import PipelineStage
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.workflow import PASSED_STATES, StageState


@dataclass(frozen=True, slots=True)
class StageLine:
    """One stage as a list names it: ``name`` is its pipeline stage's (English), ``translations`` the others."""

    state: StageState
    decided_at: datetime | None
    next_review_on: date | None
    name: str
    translations: dict | None

    def name_in(self, language: str) -> str:
        return translated(self, "name", language)


@dataclass(frozen=True, slots=True)
class StageSummary:
    current: StageLine | None = None  # Project.current_stage: the first stage not passed, else the last one
    last_decision: StageLine | None = None  # the latest decided stage (the first in order on a tie)
    next_review_on: date | None = None  # Project.next_review_on: the earliest next periodic review


NO_STAGES = StageSummary()


def stage_summaries(project_ids) -> dict[int, StageSummary]:
    """{project id: its StageSummary} for ``project_ids`` (a project without stages: absent, read NO_STAGES)."""
    ids = list(project_ids)
    if not ids:
        return {}
    stages: dict[int, list[StageLine]] = {}
    # a page names the same few pipeline stages on each of its projects (80 rows of 5 names): their translations are
    # read as text and each text parsed once, where the driver parsed the JSON of every row
    parsed: dict[str | None, dict | None] = {}
    for project_id, state, decided_at, next_review_on, name, translations in db.session.execute(
            select(StageReview.project_id, StageReview.state, StageReview.decided_at, StageReview.next_review_on,
                   PipelineStage.name, cast(PipelineStage.translations, Text))
            .join(PipelineStage, PipelineStage.id == StageReview.pipeline_stage_id)
            .where(StageReview.project_id.in_(ids)).order_by(StageReview.project_id, StageReview.position)):
        if translations not in parsed:
            parsed[translations] = json.loads(translations) if translations is not None else None
        stages.setdefault(project_id, []).append(
            StageLine(state, decided_at, next_review_on, name, parsed[translations]))
    return {project_id: _summary(lines) for project_id, lines in stages.items()}


def _summary(lines: list[StageLine]) -> StageSummary:
    current = next((s for s in lines if s.state not in PASSED_STATES), lines[-1])
    decided = [s for s in lines if s.decided_at is not None]
    last = max(decided, key=lambda s: s.decided_at) if decided else None
    reviews = [s.next_review_on for s in lines if s.next_review_on]
    return StageSummary(current, last, min(reviews) if reviews else None)


@dataclass(frozen=True, slots=True)
class ProjectLine:
    """A row of the projects list, everything it shows read beforehand (the template loads nothing)."""

    id: int
    name: str
    tier: str
    owner: str
    updated_at: datetime
    stage: str  # the current stage's name in the reader's language ("" without stages)
    state: StageState | None
    next_review_on: date | None


def project_lines(projects, language: str) -> list[ProjectLine]:
    """The rows for a page of projects (loaded by projects.services.list_columns), their stages in one statement."""
    summaries = stage_summaries(p.id for p in projects)
    lines = []
    for p in projects:
        summary = summaries.get(p.id, NO_STAGES)
        current = summary.current
        lines.append(ProjectLine(p.id, p.name, p.tier, p.owner.name, p.updated_at,
                                 current.name_in(language) if current else "", current.state if current else None,
                                 summary.next_review_on))
    return lines
