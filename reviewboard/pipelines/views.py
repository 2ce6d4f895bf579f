"""Pipeline screens: the list, a pipeline's versions and diff, the draft editor, publish and retire
(each with a confirmation step) and YAML import/export. Chairs configure; auditors read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.auth.forms import ConfirmForm
from reviewboard.catalogs.models import Catalog
from reviewboard.core.downloads import attachment
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.language import translated
from reviewboard.core.loading import load_or_404
from reviewboard.extensions import db
from reviewboard.pipelines import diff as versions_diff
from reviewboard.pipelines import labels, services
from reviewboard.pipelines import permissions as perms
from reviewboard.pipelines.forms import (
    AddStageForm,
    DetailsForm,
    ImportForm,
    MoveForm,
    NewPipelineForm,
    RoleRuleForm,
    fill_stage_form,
    stage_form_class,
)
from reviewboard.pipelines.labels import describe_rule
from reviewboard.pipelines.models import RULE_CONDITIONS, Pipeline, PipelineStage
from reviewboard.pipelines.schema import PipelineFileError

bp = Blueprint("pipelines", __name__)
bp.add_app_template_filter(labels.stage_name, "stage_name")
bp.add_app_template_filter(labels.field_name, "pipeline_field")
bp.add_app_template_filter(labels.detail_name, "pipeline_detail")
bp.add_app_template_filter(lambda status: str(labels.STATUS_NAMES.get(status, status)), "pipeline_status")


def _require(predicate) -> None:
    if not predicate(current_user):
        abort(403)


def _versions_or_404(key: str) -> list[Pipeline]:
    _require(perms.can_view_pipelines)
    all_versions = services.versions(key)
    if not all_versions:
        abort(404)
    return all_versions


def _draft(pipeline_id: int) -> Pipeline:
    _require(perms.can_configure_pipelines)
    return load_or_404(Pipeline, pipeline_id)


def _stage(draft: Pipeline, stage_id: int) -> PipelineStage:
    stage = db.session.get(PipelineStage, stage_id)
    if stage is None or stage.pipeline_id != draft.id:
        abort(404)
    return stage


def _refused(exc: ServiceError):
    """A refused change to a draft: 403, or the pipeline's page with the reason (nothing saved: status >= 400)."""
    if isinstance(exc, NotPermitted):
        raise exc  # the app's 403 page (core/errors_web.py)
    flash(_("%(reason)s Nothing was changed.", reason=exc.message), "danger")
    pipeline = db.session.get(Pipeline, request.view_args["pipeline_id"])
    if pipeline is not None and pipeline.status == "draft" and exc.status == 422:
        return _render_editor(pipeline, status=422)
    if pipeline is None:
        abort(exc.status)
    return _show(pipeline.key, pipeline.version, status=exc.status)


# -- reading -----------------------------------------------------------------------------------------


@bp.get("/pipelines")
@login_required
def index():
    _require(perms.can_view_pipelines)
    rows = []
    for key in services.pipeline_keys():
        all_versions = services.versions(key)
        rows.append({"key": key, "latest": all_versions[0], "current": services.current_version(key),
                     "draft": services.draft_of(key), "versions": len(all_versions),
                     "projects": sum(services.projects_using(key).values())})
    return render_template("pipelines/index.html", rows=rows, can_configure=perms.can_configure_pipelines(current_user))


@bp.get("/pipelines/<key>")
@login_required
def show(key: str):
    return _show(key, request.args.get("version", type=int))


def _show(key: str, wanted: int | None = None, status: int = 200):
    all_versions = _versions_or_404(key)
    current = services.current_version(key)
    shown = next((v for v in all_versions if v.version == wanted), None) if wanted else (current or all_versions[0])
    if shown is None:
        abort(404)
    return render_template("pipelines/show.html", key=key, versions=all_versions, shown=shown, current=current,
                           draft=services.draft_of(key), using=services.projects_using(key),
                           can_configure=perms.can_configure_pipelines(current_user), confirm=ConfirmForm(),
                           describe_rule=describe_rule, describe=versions_diff.describe), status


@bp.get("/pipelines/<key>/diff")
@login_required
def diff(key: str):
    all_versions = _versions_or_404(key)
    by_number = {v.version: v for v in all_versions}
    old = by_number.get(request.args.get("from", type=int) or (all_versions[1].version if len(all_versions) > 1
                                                               else all_versions[0].version))
    new = by_number.get(request.args.get("to", type=int) or all_versions[0].version)
    if old is None or new is None:
        abort(404)
    return render_template("pipelines/diff.html", key=key, versions=all_versions, old=old, new=new,
                           diff=versions_diff.diff_versions(old, new), describe=versions_diff.describe)


@bp.get("/pipelines/<key>/v<int:version>.yaml")
@login_required
def export(key: str, version: int):
    _require(perms.can_view_pipelines)
    pipeline = services.find_version(key, version) or abort(404)
    return attachment(services.export_pipeline(pipeline).encode("utf-8"), f"{key}-v{version}.yaml",
                      "application/yaml")


# -- creating and importing --------------------------------------------------------------------------


@bp.route("/pipelines/new", methods=["GET", "POST"])
@login_required
def create():
    _require(perms.can_configure_pipelines)
    form = NewPipelineForm()
    catalogs = db.session.scalars(db.select(Catalog).order_by(Catalog.key, Catalog.imported_at.desc())).all()
    form.catalog_id.choices = [(c.id, f"{translated(c, 'name')} v{c.version}") for c in catalogs]
    if form.validate_on_submit():
        catalog = db.session.get(Catalog, form.catalog_id.data)
        try:
            draft = services.create_pipeline(current_user, form.key.data, form.name.data, form.description.data or "",
                                             catalog)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Draft of %(pipeline)s created. Add its stages, then publish it.",
                    pipeline=translated(draft, "name")), "success")
            return redirect(url_for("pipelines.edit", pipeline_id=draft.id))
    return render_template("pipelines/new.html", form=form), (422 if form.errors or form.form_errors else 200)


@bp.route("/pipelines/import", methods=["GET", "POST"])
@login_required
def import_file():
    _require(perms.can_configure_pipelines)
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            pipeline = services.import_pipeline(current_user, upload.read(), upload.filename or "pipeline.yaml",
                                                publish=form.publish.data)
        except PipelineFileError as exc:
            problems = exc.errors
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Imported %(pipeline)s as version %(version)s (%(status)s).", pipeline=translated(pipeline, "name"),
                    version=pipeline.version, status=labels.STATUS_NAMES[pipeline.status]), "success")
            if pipeline.status == "draft":
                return redirect(url_for("pipelines.edit", pipeline_id=pipeline.id))
            return redirect(url_for("pipelines.show", key=pipeline.key))
    failed = bool(problems or form.errors or form.form_errors)
    return render_template("pipelines/import.html", form=form, problems=problems), (422 if failed else 200)


@bp.post("/pipelines/<key>/versions")
@login_required
def new_version(key: str):
    _versions_or_404(key)
    _require(perms.can_configure_pipelines)
    try:
        draft = services.new_version(current_user, key)
    except ServiceError as exc:
        if isinstance(exc, NotPermitted):
            raise
        flash(exc.message, "warning")
        existing = services.draft_of(key)
        return redirect(url_for("pipelines.edit", pipeline_id=existing.id) if existing
                        else url_for("pipelines.show", key=key))
    flash(_("Version %(version)s started as a draft, copied from the current version.", version=draft.version),
          "success")
    return redirect(url_for("pipelines.edit", pipeline_id=draft.id))


@bp.route("/pipelines/<key>/retire", methods=["GET", "POST"])
@login_required
def retire(key: str):
    _versions_or_404(key)
    _require(perms.can_configure_pipelines)
    current = services.current_version(key) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.retire_pipeline(current_user, key)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("%(pipeline)s is retired: no new project can choose it. Running reviews continue.",
                    pipeline=translated(current, "name")), "success")
            return redirect(url_for("pipelines.show", key=key, version=current.version))
    return render_template("pipelines/retire.html", pipeline=current, form=form,
                           using=sum(services.projects_using(key).values())), (422 if form.form_errors else 200)


# -- the draft editor --------------------------------------------------------------------------------


def _render_editor(draft: Pipeline, *, details_form=None, add_form=None, status=200):
    if details_form is None:
        details_form = DetailsForm(prefix="details", name=draft.name, description=draft.description,
                                   change_note=draft.change_note)
        details_form.fill_translations(draft)
    if add_form is None:
        add_form = AddStageForm(prefix="add")
    taken = {s.code for s in draft.stages}
    add_form.code.choices = [(code, code) for code in sorted({c.stage_code for c in draft.catalog.criteria} - taken)]
    return render_template("pipelines/edit.html", draft=draft, details_form=details_form, add_form=add_form,
                           confirm=ConfirmForm(), describe_rule=describe_rule, describe=versions_diff.describe,
                           problems=services.publish_problems(draft)), status


def _editable_or_redirect(draft: Pipeline):
    if draft.status != "draft":
        flash(_("Version %(version)s is %(status)s; start a new version to change it.", version=draft.version,
                status=labels.STATUS_NAMES.get(draft.status, draft.status)), "warning")
        return redirect(url_for("pipelines.show", key=draft.key, version=draft.version))
    return None


@bp.get("/pipelines/drafts/<int:pipeline_id>")
@login_required
def edit(pipeline_id: int):
    draft = _draft(pipeline_id)
    return _editable_or_redirect(draft) or _render_editor(draft)


@bp.post("/pipelines/drafts/<int:pipeline_id>/details")
@login_required
def update_details(pipeline_id: int):
    draft = _draft(pipeline_id)
    form = DetailsForm(prefix="details")
    if form.validate_on_submit():
        try:
            services.update_details(current_user, draft, form.name.data, form.description.data or "",
                                    form.change_note.data or "", translations=form.translations())
        except ServiceError as exc:
            if exc.status != 422:
                return _refused(exc)
            attach_error(form, exc)
        else:
            flash(_("Details saved."), "success")
            return redirect(url_for("pipelines.edit", pipeline_id=draft.id))
    return _render_editor(draft, details_form=form, status=422)


@bp.post("/pipelines/drafts/<int:pipeline_id>/stages")
@login_required
def add_stage(pipeline_id: int):
    draft = _draft(pipeline_id)
    form = AddStageForm(prefix="add")
    form.code.choices = [(c, c) for c in sorted({c.stage_code for c in draft.catalog.criteria})]
    if form.validate_on_submit():
        try:
            stage = services.add_stage(current_user, draft, form.code.data, form.name.data, form.translations())
        except ServiceError as exc:
            if exc.status != 422:
                return _refused(exc)
            attach_error(form, exc)
        else:
            flash(_("Stage %(stage)s added.", stage=labels.stage_name(stage)), "success")
            return redirect(url_for("pipelines.edit_stage", pipeline_id=draft.id, stage_id=stage.id))
    return _render_editor(draft, add_form=form, status=422)


def _stage_criteria(stage: PipelineStage):
    chosen = {r["code"] for r in stage.criteria or []}
    return [c for c in stage.pipeline.catalog.criteria
            if (c.stage_code == stage.code and not c.deprecated) or c.code in chosen]


def _render_stage(draft, stage, form, rule_form=None, status=200):
    return render_template("pipelines/stage.html", draft=draft, stage=stage, form=form,
                           rule_form=rule_form or RoleRuleForm(prefix="rule"), confirm=ConfirmForm(),
                           describe_rule=describe_rule, conditions=RULE_CONDITIONS), status


@bp.route("/pipelines/drafts/<int:pipeline_id>/stages/<int:stage_id>", methods=["GET", "POST"])
@login_required
def edit_stage(pipeline_id: int, stage_id: int):
    draft = _draft(pipeline_id)
    stage = _stage(draft, stage_id)
    if request.method == "GET" and (redirected := _editable_or_redirect(draft)):
        return redirected
    criteria = _stage_criteria(stage)
    form = stage_form_class(criteria)()
    if request.method == "GET":
        fill_stage_form(form, stage, criteria)
    elif form.validate_on_submit():
        try:
            services.update_stage(current_user, stage, form.changes())
        except ServiceError as exc:
            if exc.status != 422:
                return _refused(exc)
            attach_error(form, exc)
        else:
            flash(_("Stage %(stage)s saved.", stage=labels.stage_name(stage)), "success")
            return redirect(url_for("pipelines.edit", pipeline_id=draft.id))
    return _render_stage(draft, stage, form, status=422 if request.method == "POST" else 200)


def _stage_action(pipeline_id: int, stage_id: int, action, done):
    """``done(stage name)``: the message that says what happened."""
    draft = _draft(pipeline_id)
    stage = _stage(draft, stage_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(stage)
    except ServiceError as exc:
        return _refused(exc)
    flash(done(labels.stage_name(stage)), "success")
    return redirect(url_for("pipelines.edit", pipeline_id=draft.id), code=303)


@bp.post("/pipelines/drafts/<int:pipeline_id>/stages/<int:stage_id>/move")
@login_required
def move_stage(pipeline_id: int, stage_id: int):
    direction = MoveForm().direction.data
    return _stage_action(pipeline_id, stage_id, lambda s: services.move_stage(current_user, s, direction),
                         lambda name: _("Stage %(stage)s moved up.", stage=name) if direction == "up"
                         else _("Stage %(stage)s moved down.", stage=name))


@bp.post("/pipelines/drafts/<int:pipeline_id>/stages/<int:stage_id>/retire")
@login_required
def retire_stage(pipeline_id: int, stage_id: int):
    retired = request.form.get("retired") != "0"
    return _stage_action(pipeline_id, stage_id, lambda s: services.set_stage_retired(current_user, s, retired),
                         lambda name: _("Stage %(stage)s retired: new projects skip it.", stage=name) if retired
                         else _("Stage %(stage)s restored.", stage=name))


@bp.post("/pipelines/drafts/<int:pipeline_id>/stages/<int:stage_id>/remove")
@login_required
def remove_stage(pipeline_id: int, stage_id: int):
    return _stage_action(pipeline_id, stage_id, lambda s: services.remove_stage(current_user, s),
                         lambda name: _("Stage %(stage)s removed from this draft.", stage=name))


@bp.post("/pipelines/drafts/<int:pipeline_id>/stages/<int:stage_id>/rules")
@login_required
def add_rule(pipeline_id: int, stage_id: int):
    draft = _draft(pipeline_id)
    stage = _stage(draft, stage_id)
    rule_form = RoleRuleForm(prefix="rule")
    if rule_form.validate_on_submit():
        try:
            services.add_role_rule(current_user, stage, rule_form.expertise.data, rule_form.rule_tiers.data or [],
                                   rule_form.when.data or None)
        except ServiceError as exc:
            if exc.status != 422:
                return _refused(exc)
            attach_error(rule_form, exc)
        else:
            flash(_("Rule added."), "success")
            return redirect(url_for("pipelines.edit_stage", pipeline_id=draft.id, stage_id=stage.id), code=303)
    criteria = _stage_criteria(stage)
    form = stage_form_class(criteria)(formdata=None)
    fill_stage_form(form, stage, criteria)
    return _render_stage(draft, stage, form, rule_form=rule_form, status=422)


@bp.post("/pipelines/drafts/<int:pipeline_id>/stages/<int:stage_id>/rules/<int:index>/remove")
@login_required
def remove_rule(pipeline_id: int, stage_id: int, index: int):
    draft = _draft(pipeline_id)
    stage = _stage(draft, stage_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_role_rule(current_user, stage, index)
    except ServiceError as exc:
        return _refused(exc)
    flash(_("Rule removed."), "success")
    return redirect(url_for("pipelines.edit_stage", pipeline_id=draft.id, stage_id=stage.id), code=303)


@bp.route("/pipelines/drafts/<int:pipeline_id>/publish", methods=["GET", "POST"])
@login_required
def publish(pipeline_id: int):
    draft = _draft(pipeline_id)
    if redirected := _editable_or_redirect(draft):
        return redirected
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.publish(current_user, draft)
        except ServiceError as exc:
            if isinstance(exc, NotPermitted):
                raise
            attach_error(form, exc)
        else:
            flash(_("%(pipeline)s version %(version)s is published: projects registered from now on follow it. "
                    "Running reviews keep their version.", pipeline=translated(draft, "name"), version=draft.version),
                  "success")
            return redirect(url_for("pipelines.show", key=draft.key))
    current = services.current_version(draft.key)
    diff = versions_diff.diff_versions(current, draft) if current is not None else None
    return render_template("pipelines/publish.html", draft=draft, form=form, current=current, diff=diff,
                           problems=services.publish_problems(draft), describe=versions_diff.describe), \
        (422 if form.form_errors else 200)


@bp.post("/pipelines/drafts/<int:pipeline_id>/discard")
@login_required
def discard(pipeline_id: int):
    draft = _draft(pipeline_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    key = draft.key
    try:
        services.discard_draft(current_user, draft)
    except ServiceError as exc:
        return _refused(exc)
    flash(_("Draft discarded."), "success")
    return redirect(url_for("pipelines.show", key=key) if services.versions(key) else url_for("pipelines.index"),
                    code=303)
