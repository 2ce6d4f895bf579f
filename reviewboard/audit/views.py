"""The audit trail in the browser, for auditors and chairs: the filtered events, verifying the chain and
exporting a filtered slice."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from reviewboard.audit import browse
from reviewboard.audit.permissions import can_view_audit_trail
from reviewboard.core.downloads import attachment
from reviewboard.core.errors import ServiceError
from reviewboard.models.base import utcnow

bp = Blueprint("audit", __name__)


def _allowed() -> None:
    if not can_view_audit_trail(current_user):
        abort(403)


def _render(args, check=None, refused: str | None = None, status: int = 200):
    f, problems = browse.parse_filter(args)
    before, after = browse.seq_arg(request.args.get("before")), browse.seq_arg(request.args.get("after"))
    page = browse.events_page(f, before=before, after=None if before else after,
                              per_page=int(current_app.config["AUDIT_PER_PAGE"]))
    return render_template("audit/index.html", f=f, problems=problems, page=page, check=check, refused=refused,
                           head=browse.chain_head()), status


@bp.get("/audit")
@login_required
def index():
    _allowed()
    return _render(request.args)


@bp.post("/audit/verify")
@login_required
def verify():
    _allowed()
    try:
        check = browse.verify_in_browser()
    except browse.TrailTooLong as exc:
        return _render(request.args, refused=exc.message, status=422)
    return _render(request.args, check=check)


@bp.post("/audit/export.csv")
@login_required
def export():
    _allowed()
    f, _problems = browse.parse_filter(request.form)
    try:
        data, _rows, head = browse.export_csv(current_user, f)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("audit.index", **f.args()))
    response = attachment(data, f"audit-trail-{utcnow():%Y%m%d-%H%M%S}.csv", "text/csv; charset=utf-8")
    response.headers["X-Audit-Chain-Head"] = f"{head[0]} {head[1]}"
    return response
