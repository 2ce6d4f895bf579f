"""Incident screens: the register (chairs and auditors), a project's incidents, reporting one, an incident with
its deadline, evidence and history; assessing, recording the report to the authority, closing, adding
evidence."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from reviewboard.core.downloads import attachment
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.core.forms import attach_error, strip_nul
from reviewboard.core.loading import load_or_404
from reviewboard.core.pagination import page_arg, paginate
from reviewboard.i18n import local_date
from reviewboard.incidents import permissions as perms
from reviewboard.incidents import services, workflow
from reviewboard.incidents.forms import AssessForm, AuthorityReportForm, CloseForm, EvidenceForm, ReportForm
from reviewboard.incidents.models import Incident, IncidentEvidence
from reviewboard.incidents.rules import IncidentRulesError, load_rules, localized_rules
from reviewboard.incidents.workflow import IncidentAction
from reviewboard.projects.models import Project
from reviewboard.systems.services import versions_of

bp = Blueprint("incidents", __name__)

UPLOAD_ENDPOINTS = ("incidents.report", "incidents.add_evidence")
FORM_ENVELOPE_BYTES = 64 * 1024  # the text fields of a report around its files


def _cap_uploads() -> None:
    """A report's files may reach the evidence limit with the text around them: the request may be that much
    larger, so that a file just over the limit is refused beside its field with the report kept, not with a
    bare 413 page that loses what was typed."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = int(current_app.config["MAX_CONTENT_LENGTH"]) + FORM_ENVELOPE_BYTES


@bp.record_once
def _cap_before_csrf(state) -> None:
    # CSRFProtect reads the whole form in its before-request hook: the cap has to be set before that
    state.app.before_request_funcs.setdefault(None, []).insert(0, _cap_uploads)


@bp.app_template_global()
def incident_card(project: Project) -> dict:
    """What the project page's incident card shows (templates/incidents/_project_card.html)."""
    return {"incidents": services.project_incidents(project), "today": services.today(),
            "can_report": perms.can_report_incident(current_user, project)}


@bp.app_template_global()
def incident_dashboard(user, limit: int = 5) -> list[Incident]:
    """The dashboard's "Open incidents" card: for chairs and auditors, the open ones soonest due first."""
    return services.dashboard_incidents(user, limit) if perms.can_view_register(user) else []


@bp.app_template_filter("severity_name")
def severity_name(severity: str) -> str:
    """A severity's short name (Minor, Major, Serious) in the reader's language; the id when the rules lack it."""
    found = localized_rules().severity(severity)
    return found.name if found else severity


def _uploads(field) -> list[services.Upload]:
    return [services.Upload(f.filename or "", f.read()) for f in (field.data or []) if f and f.filename]


def _context() -> dict:
    # the rules in force in the reader's language: severities, categories and deadline rules are shown worded in it
    return {"rules": localized_rules(), "today": services.today(), "perms": perms, "next_step": services.next_step}


# ------------------------------------------------------------------------------------------------ lists

@bp.get("/incidents")
@login_required
def register():
    if not perms.can_view_register(current_user):
        abort(403)
    rules = load_rules()
    status = request.args.get("status", "open")
    status = status if status in ("open", "closed", "all") else "open"
    severity = request.args.get("severity", "")
    severity = severity if rules.severity(severity) else ""
    search = strip_nul(request.args.get("q") or "").strip()[:100]
    filters = services.RegisterFilter(status, severity, request.args.get("overdue") == "1", search)
    page = paginate(services.register_query(filters), page_arg(request), current_app.config["PER_PAGE"])
    args = {"status": status, "severity": severity, "overdue": "1" if filters.overdue else "", "q": search}
    return render_template("incidents/register.html", page=page, filters=filters,
                           page_args={k: v for k, v in args.items() if v}, **_context())


@bp.get("/projects/<int:project_id>/incidents")
@login_required
def project_incidents(project_id: int):
    project = load_or_404(Project, project_id, perms.can_view_incidents)
    return render_template("incidents/project.html", project=project,
                           incidents=services.project_incidents(project), **_context())


# ------------------------------------------------------------------------------------------------ reporting

@bp.route("/projects/<int:project_id>/incidents/new", methods=["GET", "POST"])
@login_required
def report(project_id: int):
    project = load_or_404(Project, project_id, perms.can_view_incidents)
    if not perms.can_report_incident(current_user, project):
        abort(403)
    form = ReportForm()
    form.set_choices()
    versions = versions_of(project)
    form.version_id.choices = [(v.id, v.label) for v in versions]
    if request.method == "GET":
        form.detected_on.data = services.today()
        form.version_id.data = versions[0].id if versions else None
    if form.validate_on_submit():
        data = services.Report(form.title.data, form.description.data, form.severity.data, form.detected_on.data,
                               form.category.data or None, form.widespread.data, form.affected_count.data,
                               form.affected_description.data or "", form.version_id.data)
        try:
            incident = services.report_incident(current_user, project, data, _uploads(form.files))
        except ServiceError as exc:
            if isinstance(exc, NotPermitted):
                raise
            attach_error(form, exc)
        else:
            flash(_reported_message(incident), "success")
            return redirect(url_for("incidents.show", incident_id=incident.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("incidents/report.html", project=project, form=form, **_context()), status


def _reported_message(incident: Incident) -> str:
    if incident.due_duty == "report":
        return _("Incident reported. Report it to the authority by %(on)s; the chairs hear of this serious incident "
                 "in their next digest.", on=local_date(incident.due_on))
    return _("Incident reported. A chair assesses it; it is to be closed by %(on)s.", on=local_date(incident.due_on))


# ------------------------------------------------------------------------------------------------ one incident

def _render(incident: Incident, status: int = 200, **forms):
    if "assess_form" not in forms and perms.can_assess(current_user, incident) and workflow.can(
            incident.state, IncidentAction.ASSESS):
        form = AssessForm(formdata=None, severity=incident.severity, category=incident.category or "",
                          widespread=incident.widespread)
        forms["assess_form"] = form
    if forms.get("assess_form") is not None:
        forms["assess_form"].set_choices()
    if ("authority_form" not in forms and perms.can_record_authority_report(current_user, incident)
            and workflow.can(incident.state, IncidentAction.REPORT_TO_AUTHORITY)):
        forms["authority_form"] = AuthorityReportForm(formdata=None, reported_on=services.today())
    if ("close_form" not in forms and perms.can_close(current_user, incident)
            and incident.state in workflow.TRANSITIONS[IncidentAction.CLOSE].sources):
        forms["close_form"] = CloseForm(formdata=None)
    if "evidence_form" not in forms and perms.can_add_evidence(current_user, incident):
        forms["evidence_form"] = EvidenceForm(formdata=None)
    for name in ("assess_form", "authority_form", "close_form", "evidence_form"):
        forms.setdefault(name, None)
    return render_template("incidents/show.html", incident=incident, project=incident.project,
                           history=services.history(incident), serious=services.is_serious(incident),
                           incident_rules=_rules_of(incident), **forms, **_context()), status


def _rules_of(incident: Incident):
    """The rules the incident's deadline came from, in the reader's language (an incident keeps its version's
    texts); the rules in force when that version is no longer shipped (an organisation's own file, removed)."""
    try:
        return localized_rules(incident.rules_version)
    except IncidentRulesError:
        return localized_rules()


@bp.get("/incidents/<int:incident_id>")
@login_required
def show(incident_id: int):
    return _render(load_or_404(Incident, incident_id, perms.can_view_incident))


def _act(incident_id: int, allowed, form_cls, form_name: str, call, done: str):
    """One action on an incident: 404 when it cannot be seen, 403 when the person may not act, 422 with the
    form kept when the input is refused, 409 with the current page when someone acted first."""
    incident = load_or_404(Incident, incident_id, perms.can_view_incident)
    if not allowed(current_user, incident):
        if incident.open or not perms.can_report_incident(current_user, incident.project):
            abort(403)
        flash(_("This incident is closed now; nothing was saved."), "warning")
        return _render(incident, 409)
    form = form_cls()
    if form_name == "assess_form":
        form.set_choices()
    if not form.validate_on_submit():
        return _render(incident, 422, **{form_name: form})
    try:
        call(incident, form)
    except Conflict as exc:  # the service locked and re-read the incident: the page shows it as it is now
        flash(exc.message, "warning")
        return _render(incident, 409)
    except ServiceError as exc:
        if isinstance(exc, NotPermitted):
            raise
        attach_error(form, exc)
        return _render(incident, 422, **{form_name: form})
    flash(str(done), "success")
    return redirect(url_for("incidents.show", incident_id=incident.id))


@bp.post("/incidents/<int:incident_id>/assess")
@login_required
def assess(incident_id: int):
    return _act(incident_id, perms.can_assess, AssessForm, "assess_form",
                lambda i, f: services.assess(current_user, i, f.note.data, f.severity.data, f.category.data or None,
                                             f.widespread.data),
                _l("Assessment started."))


@bp.post("/incidents/<int:incident_id>/authority-report")
@login_required
def authority_report(incident_id: int):
    return _act(incident_id, perms.can_record_authority_report, AuthorityReportForm, "authority_form",
                lambda i, f: services.record_authority_report(current_user, i, f.authority.data, f.reference.data,
                                                              f.reported_on.data),
                _l("Report to the authority recorded."))


@bp.post("/incidents/<int:incident_id>/close")
@login_required
def close(incident_id: int):
    return _act(incident_id, perms.can_close, CloseForm, "close_form",
                lambda i, f: services.close(current_user, i, f.resolution.data), _l("Incident closed."))


@bp.post("/incidents/<int:incident_id>/evidence")
@login_required
def add_evidence(incident_id: int):
    return _act(incident_id, perms.can_add_evidence, EvidenceForm, "evidence_form",
                lambda i, f: services.add_evidence(current_user, i, _uploads(f.files)), _l("Evidence added."))


@bp.get("/incidents/<int:incident_id>/evidence/<int:evidence_id>")
@login_required
def evidence_download(incident_id: int, evidence_id: int):
    evidence = load_or_404(IncidentEvidence, evidence_id, lambda user, e: perms.can_view_incident(user, e.incident))
    if evidence.incident_id != incident_id:
        abort(404)
    return attachment(evidence.data, evidence.filename)
