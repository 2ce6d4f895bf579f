"""Record list and downloads (stored bytes, never re-rendered) and the public verification page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, or_, select
from wtforms import SubmitField

from reviewboard.core.downloads import attachment
from reviewboard.core.forms import strip_nul
from reviewboard.core.pagination import page_arg, paginate
from reviewboard.extensions import db
from reviewboard.projects.models import Project
from reviewboard.projects.services import visible_projects_query
from reviewboard.records import services
from reviewboard.records.models import Record
from reviewboard.records.pdf import CONTENT_HASH_LABEL, FILE_HASH_LABEL
from reviewboard.records.permissions import can_download_record
from reviewboard.reviews.models import StageReview

bp = Blueprint("records", __name__)


class VerifyForm(FlaskForm):
    file = FileField("Signed record (PDF)", validators=[FileRequired(message="Choose the PDF to check.")])
    submit = SubmitField("Verify")


@bp.app_context_processor
def _hash_labels():
    return {"content_hash_label": CONTENT_HASH_LABEL, "file_hash_label": FILE_HASH_LABEL}


@bp.get("/records")
@login_required
def index():
    q = strip_nul(request.args.get("q") or "").strip()[:100]
    visible = visible_projects_query(current_user).with_only_columns(Project.id).order_by(None)
    stmt = (select(Record).join(StageReview, Record.stage_review_id == StageReview.id)
            .join(Project, StageReview.project_id == Project.id)
            .where(Project.id.in_(visible)).order_by(Record.issued_at.desc(), Record.id.desc()))
    if q:
        stmt = stmt.where(or_(func.lower(Project.name).like(f"%{q.lower()}%"),
                              func.lower(Record.public_id).like(f"%{q.lower()}%"),
                              Record.pdf_sha256.like(f"{q.lower()}%")))
    page = paginate(stmt, page_arg(request), current_app.config["PER_PAGE"])
    return render_template("records/index.html", page=page, q=q)


@bp.get("/records/<int:record_id>.pdf")
@login_required
def download(record_id: int):
    record = db.session.get(Record, record_id)
    if record is None or not can_download_record(current_user, record):
        abort(404)
    response = attachment(record.pdf, record.filename, "application/pdf")
    response.headers["X-Content-SHA256"] = record.pdf_sha256
    return response


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        result = services.verify_record_bytes(form.file.data.read())
    return render_template("records/verify.html", form=form, result=result), (422 if form.errors else 200)
