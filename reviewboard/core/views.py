"""Home, dashboard and the site icon."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.auth.models import Role, User
from reviewboard.auth.session import previous_visit
from reviewboard.conditions import services as condition_services
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.projects.models import Project
from reviewboard.projects.permissions import visible_projects_query
from reviewboard.projects.services import listed
from reviewboard.projects.tiering import Tier, tier_labels
from reviewboard.records.models import Record
from reviewboard.rereview import services as rereview_services
from reviewboard.reviews import services as review_services
from reviewboard.reviews.workflow import StageState

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return redirect(url_for("auth.login"))


@bp.get("/dashboard")
@login_required
def dashboard():
    user = current_user
    projects = db.session.scalars(listed(visible_projects_query(user), members=True).limit(8)).all()
    mine = [p for p in projects if user.id in p.member_ids]
    waiting = []
    if user.roles & {Role.REVIEWER, Role.CHAIR}:
        waiting = db.session.execute(review_services.queue_query(user).limit(5)).all()
    escalations = []
    if user.has_role(Role.CHAIR):
        escalations = db.session.scalars(select(Project).where(Project.tier == Tier.PROHIBITED,
                                                               Project.escalation_cleared_by_id.is_(None))).all()
    records = []
    if user.roles & {Role.AUDITOR, Role.CHAIR, Role.REVIEWER}:
        records = db.session.scalars(select(Record).order_by(Record.issued_at.desc()).limit(5)).all()
    alerts = []
    if user.has_role(Role.CHAIR):
        since = utcnow() - timedelta(days=7)
        alerts = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "security.alert",
                                                             AuditEvent.created_at >= since)
                                    .order_by(AuditEvent.created_at.desc(), AuditEvent.seq.desc())
                                    .limit(10)).all()  # newest first, read from ix_audit_event_action_created_at
    conditions = condition_services.dashboard_conditions(user)
    decided = review_services.decided_since(user, previous_visit())
    return render_template("core/dashboard.html", projects=projects, mine=mine, waiting=waiting,
                           escalations=escalations, records=records, conditions=conditions, alerts=alerts,
                           tier_labels=tier_labels(), StageState=StageState, users=_names(alerts),
                           today=condition_services.today(),
                           reviews_due=rereview_services.reviews_due(user), decided=decided,
                           first_visit=previous_visit() is None)


def _names(alerts) -> dict[int, str]:
    ids = {int(a.object_id) for a in alerts if a.object_type == "user" and a.object_id.isdigit()}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask every site for /favicon.ico, whatever the page links."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)
