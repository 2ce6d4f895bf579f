"""Signed records: list, metadata, the PDF exactly as signed, and the JSON embedded in it."""

from __future__ import annotations

import json

from flask import Response
from sqlalchemy import select

from reviewboard.api.blueprint import api_user, bp, requires
from reviewboard.api.loading import decode_cursor, load, page
from reviewboard.api.schemas import RecordOut, RecordPage, RecordQuery
from reviewboard.core.downloads import attachment
from reviewboard.extensions import db
from reviewboard.projects.models import Project
from reviewboard.projects.permissions import visible_projects_query
from reviewboard.records.models import Record
from reviewboard.records.permissions import can_download_record
from reviewboard.reviews.models import StageReview
from reviewboard.tokens.models import Scope

TAG = {"tags": ["Records"]}


@bp.get("/records")
@bp.doc(**TAG, summary="Records of the projects visible to you, newest first")
@bp.arguments(RecordQuery, location="query", as_kwargs=True)
@bp.response(200, RecordPage)
@requires(Scope.READ, 422)
def list_records(project: int | None = None, cursor: str | None = None, limit: int = 20):
    after = decode_cursor(cursor)
    visible = visible_projects_query(api_user()).with_only_columns(Project.id).order_by(None)
    stmt = (select(Record).join(StageReview, Record.stage_review_id == StageReview.id)
            .where(StageReview.project_id.in_(visible)).order_by(Record.id.desc()))
    if project:
        stmt = stmt.where(StageReview.project_id == project)
    if after:
        stmt = stmt.where(Record.id < after)
    items, next_cursor = page(list(db.session.scalars(stmt.limit(limit + 1))), limit)
    return {"items": items, "next_cursor": next_cursor}


@bp.get("/records/<int:record_id>")
@bp.doc(**TAG, summary="A record's metadata: version, round, digests, signature level")
@bp.response(200, RecordOut)
@requires(Scope.READ, 404)
def get_record(record_id: int):
    return load(Record, record_id, can_download_record)


@bp.get("/records/<int:record_id>/pdf")
@bp.doc(**TAG, summary="The signed PDF/A-3b as issued (X-File-SHA256: its digest)",
        responses={"200": {"description": "The signed PDF", "content": {"application/pdf": {
            "schema": {"type": "string", "format": "binary"}}}}})
@requires(Scope.READ, 404)
def download_record(record_id: int):
    record = load(Record, record_id, can_download_record)
    response = attachment(record.pdf, record.filename, "application/pdf")
    response.headers["X-File-SHA256"] = record.pdf_sha256
    return response


@bp.get("/records/<int:record_id>/data")
@bp.doc(**TAG, summary="The JSON embedded in the record (what was decided, on which inputs)",
        responses={"200": {"description": "The record's data", "content": {"application/json": {
            "schema": {"type": "object"}}}}})
@requires(Scope.READ, 404)
def record_data(record_id: int):
    record = load(Record, record_id, can_download_record)
    json.loads(record.record_json)  # stored by the issuing service: always a JSON object
    return Response(record.record_json, mimetype="application/json")
