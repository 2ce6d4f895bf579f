"""The stage page (evidence, submission, review and signing) and the reviewers' queue."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from reviewboard.auth.forms import ConfirmForm
from reviewboard.auth.models import Role, User
from reviewboard.auth.services import users_with_role
from reviewboard.auth.session import note_signature, signing_needs_identity
from reviewboard.conditions.services import overdue_before
from reviewboard.core.boundary import keep_changes
from reviewboard.core.errors import ServiceError
from reviewboard.core.export import export_response
from reviewboard.core.forms import attach_error
from reviewboard.core.language import translated
from reviewboard.core.loading import load_or_404
from reviewboard.core.pagination import paginate_keyset
from reviewboard.extensions import db
from reviewboard.jobs.models import FAILED
from reviewboard.mfa.services import is_enabled as mfa_enabled
from reviewboard.models.base import utcnow
from reviewboard.pipelines.services import stage_choices
from reviewboard.projects import permissions as project_perms
from reviewboard.projects import services as project_services
from reviewboard.projects.forms import EvidenceForm, SubmitStageForm
from reviewboard.projects.models import Evidence
from reviewboard.projects.tiering import TIER_ORDER, questionnaire, tier_labels
from reviewboard.records import issuing
from reviewboard.records import permissions as record_perms
from reviewboard.records.issuing import unfinished_record_jobs
from reviewboard.records.models import Record
from reviewboard.rereview.services import reopen_reason
from reviewboard.reviews import lifecycle, queue_export, resubmission, services
from reviewboard.reviews import permissions as perms
from reviewboard.reviews.forms import AssignForm, review_form_class
from reviewboard.reviews.labels import (
    example_meaning_words,
    refusal_words,
    role_title_words,
    signature_meaning_words,
    signature_status_words,
)
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.queue_page import queue_rows
from reviewboard.reviews.signatures import check_signoff
from reviewboard.reviews.workflow import IllegalTransition, Outcome, StageState, VerdictValue
from reviewboard.sso import signing as sso_signing

bp = Blueprint("reviews", __name__)


def _load_stage(stage_id: int) -> StageReview:
    """The stage the URL names (404 unless the reader may view it), with its project and pinned catalog read in the
    same statement: every stage view reads both (the permission asks about the project, the page and the
    workflow about the catalog's criteria)."""
    return load_or_404(StageReview, stage_id, project_perms.can_view_stage,
                       options=(joinedload(StageReview.project), joinedload(StageReview.catalog)))


def _review_form(stage: StageReview, formdata=None):
    criteria = services.criteria_shown(stage)
    form = review_form_class(criteria)(formdata=formdata)
    owners = [(m.user.id, m.user.name) for m in stage.project.members]  # any member of the team
    for entry in form.conditions:
        entry.owner_id.choices = owners
    if formdata is None and stage.current_round is not None:
        for v in stage.current_round.verdicts:
            if v.reviewer_id == current_user.id:
                getattr(form, f"v_{v.criterion_id}").data = v.value.value
                getattr(form, f"r_{v.criterion_id}").data = v.rationale
                getattr(form, f"reopen_{v.criterion_id}").data = v.reopen
    return form, criteria


def _evidence_forms(stage: StageReview, criteria, refused: EvidenceForm | None) -> dict[int, EvidenceForm]:
    """One "attach evidence" form per criterion card; the refused one (if any) comes back on its own card.
    A refused form for no criterion of the stage keeps its errors for the page's error summary."""
    if not project_perms.can_manage_evidence(current_user, stage):
        return {}
    forms = {c.id: EvidenceForm(formdata=None).for_card(c.id) for c in criteria}
    if refused is not None:
        if refused.criterion_id.data in forms:
            forms[refused.criterion_id.data] = refused.for_card(refused.criterion_id.data)
        else:
            refused.form_errors.extend(refused.criterion_id.errors or ["Choose the criterion this file supports."])
            refused.criterion_id.errors = []
    return forms


def without_evidence(stage: StageReview, criteria) -> list:
    """The applicable criteria with no evidence attached (withdrawn files do not count)."""
    supported = {e.criterion_id for e in stage.evidence if not e.withdrawn}
    return [c for c in criteria if c.id not in supported]


def _verdicts_by_criterion(stage: StageReview) -> tuple[dict[int, list], dict[int, object]]:
    """The current round's verdicts by criterion id, and the reader's own (one per criterion), sorted once for
    every criterion card rather than searched per card."""
    everyone: dict[int, list] = {}
    mine: dict[int, object] = {}
    if stage.current_round is not None:
        for v in stage.current_round.verdicts:
            everyone.setdefault(v.criterion_id, []).append(v)
            if v.reviewer_id == current_user.id:
                mine.setdefault(v.criterion_id, v)
    return everyone, mine


def _render(stage: StageReview, *, review_form=None, evidence_form=None, submit_form=None, status=200):
    services.load_people_shown(stage)  # before the review form names the team as the conditions' owners
    criteria = services.criteria_shown(stage)
    if review_form is None and perms.can_sign(current_user, stage):
        review_form, _extra = _review_form(stage)
    evidence_forms = _evidence_forms(stage, criteria, evidence_form)
    if submit_form is None and project_perms.can_submit_stage(current_user, stage):
        submit_form = SubmitStageForm(version=stage.version)
    assign_form = None
    if perms.can_assign(current_user, stage):
        assign_form = AssignForm()
        assign_form.reviewer_id.choices = [(u.id, u.name) for u in users_with_role(Role.REVIEWER)
                                           if perms.is_independent(u, stage)
                                           and u.id not in stage.assigned_reviewer_ids]
    records = db.session.scalars(db.select(Record).where(Record.stage_review_id == stage.id)
                                 .order_by(Record.version)).all()
    record_jobs = unfinished_record_jobs(stage)
    evidence_by_criterion: dict[int, list[Evidence]] = {}
    for e in stage.evidence:
        if not e.withdrawn:
            evidence_by_criterion.setdefault(e.criterion_id, []).append(e)
    verdicts_by_criterion, my_verdicts = _verdicts_by_criterion(stage)
    return render_template(
        "reviews/stage.html", stage=stage, project=stage.project, criteria=criteria,
        evidence_by_criterion=evidence_by_criterion, verdicts_by_criterion=verdicts_by_criterion,
        my_verdicts=my_verdicts, manages_evidence=project_perms.can_manage_evidence(current_user, stage),
        review_form=review_form, evidence_forms=evidence_forms,
        refused_evidence=evidence_form, submit_form=submit_form, assign_form=assign_form, qn=questionnaire(),
        without_evidence=without_evidence(stage, criteria) if submit_form is not None else [],
        confirm=ConfirmForm(), records=records,
        record_issuing=[j for j in record_jobs if j.status != FAILED],
        record_failed=[j for j in record_jobs if j.status == FAILED], record_perms=record_perms,
        perms=perms, project_perms=project_perms, VerdictValue=VerdictValue, tier_labels=tier_labels(),
        check_signoff=partial(check_signoff, codes=services.criterion_codes(stage)), role_title_words=role_title_words,
        meaning_words=signature_meaning_words,
        example_meaning_words=example_meaning_words,
        status_words=signature_status_words,
        round_diff=resubmission.current_diff(stage), today=utcnow().date(),
        blocking_conditions=overdue_before(stage) if submit_form is not None else [],
        # registration filings due by this stage and missing: said before anyone submits or reviews
        missing_filings=lifecycle.filings_missing(stage) if not stage.state.decided else (),
        ask_email=signing_needs_identity(), sso_provider=sso_signing.provider_name_if_signing(),
        ask_mfa_code=current_user.is_authenticated and mfa_enabled(current_user),
        reopened_because=reopen_reason(stage),  # rereview/_next_review.html: why a passed stage came back
    ), status


def _not_with_member(stage: StageReview):
    """A member's form for a stage that left their hands meanwhile (say, submitted from another tab) is stale:
    409 with the current page, not 403. Anyone else is refused."""
    if project_perms.is_contributor(current_user, stage.project) and current_user.active:
        flash(_("This stage is %(state)s now, so it cannot be changed from that page. Nothing was saved.",
                state=_(stage.state.label).lower()), "warning")
        return _render(stage, status=409)
    abort(403)


@bp.get("/stages/<int:stage_id>")
@login_required
def show(stage_id: int):
    return _render(_load_stage(stage_id))


@bp.post("/stages/<int:stage_id>/evidence")
@login_required
def add_evidence(stage_id: int):
    stage = _load_stage(stage_id)
    if not project_perms.can_manage_evidence(current_user, stage):
        return _not_with_member(stage)
    form = EvidenceForm()
    form.criterion_id.choices = [(c.id, c.code) for c in services.criteria_shown(stage)]
    if form.validate_on_submit():
        upload = form.file.data
        try:
            evidence = project_services.add_evidence(current_user, stage, form.criterion_id.data,
                                                     upload.filename or "", upload.read(),
                                                     expires_on=form.expires_on.data)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Attached %(file)s to %(code)s (SHA-256 %(sha)s…).", file=evidence.filename,
                    code=evidence.criterion.code, sha=evidence.sha256[:16]), "success")
            return redirect(url_for("reviews.show", stage_id=stage.id) + f"#c-{evidence.criterion.code}")
    return _render(stage, evidence_form=form, status=422)


@bp.post("/evidence/<int:evidence_id>/withdraw")
@login_required
def withdraw_evidence(evidence_id: int):
    evidence = load_or_404(Evidence, evidence_id, project_perms.can_view_evidence)
    if not project_perms.can_manage_evidence(current_user, evidence.stage_review):
        return _not_with_member(evidence.stage_review)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    project_services.withdraw_evidence(current_user, evidence)
    flash(_("Withdrew %(file)s. It stays in the audit trail.", file=evidence.filename), "success")
    return redirect(url_for("reviews.show", stage_id=evidence.stage_review_id) + f"#c-{evidence.criterion.code}")


@bp.post("/stages/<int:stage_id>/submit")
@login_required
def submit(stage_id: int):
    stage = _load_stage(stage_id)
    if not project_perms.can_submit_stage(current_user, stage):
        return _not_with_member(stage)
    form = SubmitStageForm()
    if form.validate_on_submit():
        # asked of a current page only: a stale one is answered 409 by submit_stage, whatever it lists
        missing = without_evidence(stage, services.criteria_shown(stage)) if form.version.data == stage.version else []
        if missing and not form.confirm_missing.data:
            form.confirm_missing.errors = [ngettext(
                "%(num)d criterion has no evidence: attach it, or tick this box to submit without it.",
                "%(num)d criteria have no evidence: attach it, or tick this box to submit without it.", len(missing))]
            return _render(stage, submit_form=form, status=422)
        try:
            round_ = lifecycle.submit_stage(current_user, stage, form.note.data or "", form.version.data)
        except IllegalTransition as exc:
            # a rule of the workflow (nothing changed, overdue conditions, ...): say which, beside the form
            form.form_errors.append(_("This stage cannot be submitted: %(reason)s. Nothing was submitted.",
                                      reason=refusal_words(exc.reason)))
            return _render(stage, submit_form=form, status=409)
        except ServiceError as exc:
            if exc.status == 409:
                flash(_("%(problem)s Reload the page to see the current state.", problem=exc.message), "warning")
                return _render(stage, submit_form=form, status=409)
            attach_error(form, exc)
        else:
            flash(_("%(stage)s submitted for review (round %(round)s).", stage=translated(stage, "name"),
                    round=round_.number), "success")
            return redirect(url_for("reviews.show", stage_id=stage.id))
    return _render(stage, submit_form=form, status=422)


@bp.post("/stages/<int:stage_id>/review")
@login_required
def review(stage_id: int):
    stage = _load_stage(stage_id)
    if perms.content_withheld(current_user, stage):
        abort(403)  # declare a conflict of interest (or none) first; a recused reviewer never reviews
    if not perms.can_sign(current_user, stage):
        if stage.state != StageState.IN_REVIEW or perms.has_signed(current_user, stage):
            flash(_("This stage changed: it is no longer waiting for your decision."), "warning")
            return _render(stage, status=409)
        abort(403)
    form, criteria = _review_form(stage, request.form)
    if not form.validate_on_submit():
        return _render(stage, review_form=form, status=422)
    user = current_user._get_current_object()
    saved = {v.criterion_id for v in stage.current_round.verdicts if v.reviewer_id == user.id}
    sso = sso_signing.signs_at_provider()
    if not form.check(criteria, signing=bool(form.sign.data), saved=saved, password=not sso,
                      email=user.email if signing_needs_identity() and not sso else None,
                      mfa=mfa_enabled(user) and not sso):
        return _render(stage, review_form=form, status=422)
    entries = [services.VerdictEntry(c.id, VerdictValue(getattr(form, f"v_{c.id}").data)
                                     if getattr(form, f"v_{c.id}").data else None,
                                     getattr(form, f"r_{c.id}").data or "",
                                     bool(getattr(form, f"reopen_{c.id}").data)) for c in criteria]
    try:
        services.save_verdicts(user, stage, entries)
        if form.sign.data and sso:  # verdicts saved; the decision waits for a fresh login at the provider
            return sso_signing.redirect_to_sign(user, stage, form)
        if form.sign.data:
            _sign(user, stage, form)
    except ServiceError as exc:
        if getattr(exc, "persist", False):
            keep_changes()
        if exc.status == 409:
            flash(exc.message, "warning")
            return _render(stage, review_form=form, status=409)
        attach_error(form, exc)
        if exc.field and exc.field.startswith("criterion-"):
            getattr(form, f"r_{exc.field.split('-')[1]}").errors = [exc.message]
        return _render(stage, review_form=form, status=422)
    if form.sign.data:
        flash(_("Your decision is signed."), "success")
    else:
        flash(_("Verdicts saved. Sign your decision when you are ready."), "success")
    return redirect(url_for("reviews.show", stage_id=stage.id))


def _sign(user: User, stage: StageReview, form) -> None:
    """Sign what ``form.check`` passed: the decision, and its conditions when it has some."""
    conditions = [services.ConditionEntry(entry.text.data.strip(), entry.owner_id.data, entry.due_date.data)
                  for entry in form.conditions if (entry.text.data or "").strip()]
    services.sign_decision(user, stage, Outcome(form.outcome.data), form.password.data or "", conditions,
                           form.comment.data or "", reopen_all=bool(form.reopen_all.data),
                           mfa_code=form.mfa_code.data or "")
    note_signature()


@bp.post("/stages/<int:stage_id>/record/retry")
@login_required
def retry_record(stage_id: int):
    """A chair's "Issue the record again" on a stage whose record job failed (audited)."""
    stage = _load_stage(stage_id)
    if not record_perms.can_retry_record(current_user, stage):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        issuing.retry_record(current_user._get_current_object(), stage)
    except ServiceError as exc:  # retried meanwhile (another tab, another chair, the CLI): the page as it is now
        flash(exc.message, "warning")
        return _render(stage, status=exc.status)
    flash(_("The record is being issued again."), "success")
    return redirect(url_for("reviews.show", stage_id=stage.id))


@bp.post("/stages/<int:stage_id>/assign")
@login_required
def assign(stage_id: int):
    stage = _load_stage(stage_id)
    if not perms.can_assign(current_user, stage):
        abort(403)
    form = AssignForm()
    form.reviewer_id.choices = [(u.id, u.name) for u in users_with_role(Role.REVIEWER)]
    if form.validate_on_submit():
        reviewer = db.session.get(User, form.reviewer_id.data)
        try:
            services.assign_reviewer(current_user, stage, reviewer)
        except ServiceError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("reviews.show", stage_id=stage.id))
        flash(_("%(name)s assigned.", name=reviewer.name), "success")
    return redirect(url_for("reviews.show", stage_id=stage.id))


def _queue_filters(args, stages: list[tuple[str, str]]) -> dict:
    """The queue's filters from query (or form) arguments; anything unknown falls back to its default.
    ``stages``: stage_choices(), read once by the caller (the page shows them too)."""
    stage_code, tier, status = args.get("stage", ""), args.get("tier", ""), args.get("status", "waiting")
    if status not in ("waiting", "signed", "all"):
        status = "waiting"
    if tier not in ("", *TIER_ORDER):
        tier = ""
    if stage_code not in {code for code, _name in stages}:
        stage_code = ""
    return {"stage_code": stage_code, "tier": tier, "status": status}


@bp.get("/queue")
@login_required
def queue():
    if not perms.can_see_queue(current_user):
        abort(403)
    stages = stage_choices()
    filters = _queue_filters(request.args, stages)
    stmt, params = services.queue_page_query(current_user, **filters)
    page = paginate_keyset(stmt, request, current_app.config["PER_PAGE"], StageReview.submitted_at, StageReview.id,
                           descending=False, scalars=False, count_in_order=True, params=params)
    labels = tier_labels()
    return render_template("reviews/queue.html", page=page, rows=queue_rows(page.items, utcnow(), labels), **filters,
                           stages=stages, tiers=[(t, labels[t]) for t in reversed(TIER_ORDER)])


@bp.post("/queue/export.<fmt>")
@login_required
def export_queue(fmt: str):
    if not perms.can_see_queue(current_user):
        abort(403)
    filters = _queue_filters(request.form, stage_choices())
    back = url_for("reviews.queue", stage=filters["stage_code"], tier=filters["tier"], status=filters["status"])
    return export_response(fmt, lambda: queue_export.export_queue(current_user, filters, utcnow()), back)
