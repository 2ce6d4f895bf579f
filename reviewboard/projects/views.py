"""Project screens: list, register, view, edit, evidence and escalation."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.core.badges import state_badges, tier_badges
from reviewboard.core.downloads import attachment
from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error, strip_nul
from reviewboard.core.language import current_language
from reviewboard.core.loading import load_or_404
from reviewboard.core.pagination import paginate_keyset
from reviewboard.extensions import per_user_limit
from reviewboard.pipelines.services import active_pipelines
from reviewboard.projects import permissions as perms
from reviewboard.projects import services
from reviewboard.projects.forms import EscalationForm, ProjectForm
from reviewboard.projects.models import Evidence, Project
from reviewboard.projects.summaries import project_lines
from reviewboard.projects.tiering import questionnaire, tier_labels
from reviewboard.registration import permissions as registration_perms
from reviewboard.registration import services as registration
from reviewboard.registration.rules import ruleset as registration_rules
from reviewboard.reviews import permissions as review_perms
from reviewboard.systems import permissions as system_perms
from reviewboard.systems import services as system_services
from reviewboard.teams import services as team_services
from reviewboard.teams.forms import AddMemberForm, MemberRoleForm
from reviewboard.teams.permissions import can_manage_team

bp = Blueprint("projects", __name__)

VERSIONS_SHOWN = 3  # the project page's newest system versions (all of them: the systems' versions page)


@bp.get("/projects")
@login_required
def index():
    q = strip_nul(request.args.get("q") or "").strip()[:100]
    page = paginate_keyset(services.list_columns(perms.visible_projects_query(current_user, q)), request,
                           current_app.config["PER_PAGE"], Project.updated_at, Project.id, descending=True,
                           ids_first=True, count_parts=perms.search_count_parts(current_user, q))
    rows = project_lines(page.items, current_language())
    return render_template("projects/index.html", page=page, rows=rows, q=q, tier_badges=tier_badges(tier_labels()),
                           state_badges=state_badges(r.state for r in rows if r.state))


@bp.route("/projects/new", methods=["GET", "POST"])
@per_user_limit("PROJECT_CREATION_LIMIT")
@login_required
def create():
    if not perms.can_create_project(current_user):
        abort(403)
    pipelines = active_pipelines()
    form = ProjectForm(pipelines=pipelines)
    if request.method == "GET" and pipelines:
        form.pipeline_id.data = pipelines[0].id
    if form.validate_on_submit():
        pipeline = next((p for p in pipelines if p.id == form.pipeline_id.data), pipelines[0] if pipelines else None)
        if pipeline is None:
            form.form_errors.append(_("No review pipeline is configured yet. Ask a chair to set one up."))
        else:
            try:
                project = services.create_project(current_user, pipeline, form.fields(), form.answers())
            except ServiceError as exc:
                attach_error(form, exc)
            else:
                duties = registration.duties_for(project, current_language())
                tier = tier_labels()[project.tier]
                flash(_("Project registered with tier %(tier)s. Registration duties: %(duties)s (see below).",
                        tier=tier, duties=", ".join(d.title for d in duties)) if duties
                      else _("Project registered with tier %(tier)s. Registration duties: none on these facts.",
                             tier=tier), "success")
                return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None), (422 if form.errors else 200)


@bp.get("/projects/<int:project_id>")
@login_required
def show(project_id: int):
    project = load_or_404(Project, project_id, perms.can_view_project, options=services.page_options())
    return _show(project)


def render_project(project: Project, status: int = 200, team_form: AddMemberForm | None = None):
    """The project page answered by another capability's form (the team's), with that form's errors."""
    return _show(project, status=status, team_form=team_form)


def _show(project: Project, escalation_form: EscalationForm | None = None, status: int = 200,
          team_form: AddMemberForm | None = None):
    """The project page: its stages, team, system versions, registration duties and summary. The escalation form
    and the team's form are made only for a page that shows them (an escalated project; a team manager)."""
    services.load_stage_outcomes(project)
    language = current_language()
    can_manage = can_manage_team(current_user, project)
    if escalation_form is None and project.blocked_by_escalation:
        escalation_form = EscalationForm()
    if team_form is None and can_manage:
        team_form = AddMemberForm(prefix="team")
    duties = {"duties": registration.duties_for(project, language), "filings": registration.current_filings(project),
              "ruleset": registration_rules().version, "facts": registration.facts_table(project, language),
              "facts_missing": registration.facts_missing(project, language),
              "can_file": registration_perms.can_file(current_user, project)}
    return render_template("projects/show.html", project=project, qn=questionnaire(), tier_labels=tier_labels(),
                           escalation_form=escalation_form, perms=perms, registration=duties,
                           system_versions=system_services.newest_versions(project, VERSIONS_SHOWN),
                           system_perms=system_perms, team=team_services.team_of(project), team_form=team_form,
                           role_form=MemberRoleForm, role_titles=team_services.ROLE_TITLES,
                           can_manage_team=can_manage), status


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    project = load_or_404(Project, project_id, perms.can_view_project)
    if not perms.can_edit_project(current_user, project):
        if perms.is_contributor(current_user, project) and current_user.active:
            # a stale page (the stage was submitted meanwhile): 409 with the current project, not 403
            flash(_("This project cannot be edited now: its current stage is not with the submitter. "
                  "Nothing was saved."), "warning")
            return _show(project, status=409)
        abort(403)
    form = ProjectForm(obj=project if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(project.version)
        for qid in ProjectForm.YESNO:
            getattr(form, f"q_{qid}").data = project.answers.get(qid, "no")
        form.show_facts(project)
    if form.validate_on_submit():
        try:
            # a missing or tampered version reads as stale (409), never as an unexpected error
            raw_version = (form.version.data or "").strip()
            version = int(raw_version) if raw_version.isascii() and raw_version.isdigit() else 0
            services.update_project(current_user, project, form.fields(), form.answers(), version)
        except ServiceError as exc:
            if exc.status == 409:
                flash(_("%(problem)s Your changes are below; review them against the current project.",
                        problem=exc.message), "warning")
                form.version.data = str(project.version)
                return render_template("projects/form.html", form=form, project=project), 409
            attach_error(form, exc)
        else:
            flash(_("Project updated."), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project), (422 if form.errors else 200)


@bp.post("/projects/<int:project_id>/escalation")
@login_required
def clear_escalation(project_id: int):
    project = load_or_404(Project, project_id, perms.can_view_project)
    if not perms.can_clear_escalation(current_user, project):
        abort(403)
    form = EscalationForm()
    if form.validate_on_submit():
        try:
            services.clear_escalation(current_user, project, form.note.data, form.tier.data)
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("Escalation cleared: the project may now be submitted."), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    else:
        flash(_("Give the reason for letting the project proceed."), "danger")
    return _show(project, form, 422)


@bp.get("/evidence/<int:evidence_id>")
@login_required
def evidence_download(evidence_id: int):
    evidence = load_or_404(Evidence, evidence_id, perms.can_view_evidence)
    if review_perms.content_withheld(current_user, evidence.stage_review):
        abort(403)  # a reviewer of the round sees evidence only after declaring no conflict of interest
    return attachment(evidence.data, evidence.filename)
