"""Browsing catalog versions and their criteria, comparing versions, and the chair's import page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from reviewboard.catalogs import permissions as perms
from reviewboard.catalogs.diff import diff_catalogs
from reviewboard.catalogs.forms import CatalogUploadForm
from reviewboard.catalogs.models import Catalog, Criterion
from reviewboard.catalogs.schema import FRAMEWORK_LABELS, FRAMEWORKS, SOURCE_FRAMEWORKS, TIERS, CatalogError
from reviewboard.catalogs.services import catalog_versions, catalogs_by_key, find_catalog, upload_catalog
from reviewboard.core.errors import ServiceError
from reviewboard.core.loading import load_or_404

bp = Blueprint("catalogs", __name__)


def _ref_value(framework: str, ref: str) -> str:
    return f"{framework}|{ref}"


def _matches_ref(criterion: Criterion, wanted: str) -> bool:
    """A criterion cites ``framework|ref``, or a sub-clause of it ("Art. 9" also finds "Art. 9(2)")."""
    framework, _, ref = wanted.partition("|")
    return any(r["framework"] == framework and (r["ref"] == ref or r["ref"].startswith((ref + "(", ref + ".")))
               for r in criterion.refs)


def _matches_text(criterion: Criterion, q: str) -> bool:
    q = q.casefold()
    return any(q in value.casefold() for value in (criterion.code, criterion.title, criterion.question,
                                                    criterion.guidance))


def crosswalk(criterion: Criterion) -> list[dict]:
    """The criterion's references grouped per framework, sources first, in the catalog's framework order."""
    groups = []
    for framework in FRAMEWORKS:
        refs = [r for r in criterion.refs if r["framework"] == framework]
        if refs:
            groups.append({"framework": framework, "label": FRAMEWORK_LABELS.get(framework, framework),
                           "source": framework in SOURCE_FRAMEWORKS, "refs": refs})
    return groups


@bp.app_template_filter("framework_label")
def framework_label(framework: str) -> str:
    return FRAMEWORK_LABELS.get(framework, framework)


@bp.get("/catalogs")
@login_required
def index():
    return render_template("catalogs/index.html", groups=catalogs_by_key(),
                           can_import=perms.can_import_catalog(current_user))


@bp.get("/catalogs/<int:catalog_id>")
@login_required
def show(catalog_id: int):
    catalog = load_or_404(Catalog, catalog_id)
    args = request.args
    stage, tier, framework = args.get("stage", ""), args.get("tier", ""), args.get("framework", "")
    ref, q = args.get("ref", ""), args.get("q", "").strip()[:200]
    show_deprecated = args.get("deprecated") == "1"
    criteria = [c for c in catalog.criteria
                if (show_deprecated or not c.deprecated)
                and (not stage or c.stage_code == stage)
                and (not tier or tier in c.tiers)
                and (not framework or any(r["framework"] == framework for r in c.refs))
                and (not ref or _matches_ref(c, ref))
                and (not q or _matches_text(c, q))]
    frameworks = [f for f in FRAMEWORKS if any(r["framework"] == f for c in catalog.criteria for r in c.refs)]
    references = {f: sorted({r["ref"] for c in catalog.criteria for r in c.refs if r["framework"] == f})
                  for f in frameworks}
    stages = list(dict.fromkeys(c.stage_code for c in catalog.criteria))  # the catalog's own order
    deprecated_count = sum(1 for c in catalog.criteria if c.deprecated)
    return render_template("catalogs/show.html", catalog=catalog, criteria=criteria, stage=stage, tier=tier,
                           framework=framework, ref=ref, q=q, show_deprecated=show_deprecated,
                           frameworks=frameworks, references=references, stages=stages, tiers=TIERS,
                           ref_value=_ref_value, deprecated_count=deprecated_count,
                           versions=catalog_versions(catalog.key))


@bp.get("/catalogs/<int:catalog_id>/criteria/<code>")
@login_required
def criterion(catalog_id: int, code: str):
    catalog = load_or_404(Catalog, catalog_id)
    found = next((c for c in catalog.criteria if c.code == code), None) or abort(404)
    others = []
    for version in catalog_versions(catalog.key):
        match = next((c for c in version.criteria if c.code == code), None)
        others.append({"catalog": version, "criterion": match})
    return render_template("catalogs/criterion.html", catalog=catalog, criterion=found,
                           groups=crosswalk(found), others=others, ref_value=_ref_value)


@bp.get("/catalogs/<key>/diff")
@login_required
def diff(key: str):
    versions = catalog_versions(key)
    if not versions:
        abort(404)
    labels = [v.version for v in versions]
    old_version = request.args.get("from") or (labels[-2] if len(labels) > 1 else labels[-1])
    new_version = request.args.get("to") or labels[-1]
    old, new = find_catalog(key, old_version), find_catalog(key, new_version)
    if old is None or new is None:
        abort(404)
    return render_template("catalogs/diff.html", key=key, versions=versions, old=old, new=new,
                           result=diff_catalogs(old, new))


@bp.route("/catalogs/import", methods=["GET", "POST"])
@login_required
def import_version():
    if not perms.can_import_catalog(current_user):
        abort(403)
    form = CatalogUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            catalog, created = upload_catalog(current_user, form.file.data.read())
        except CatalogError as exc:
            problems = exc.errors
        except ServiceError as exc:
            form.file.errors = [*form.file.errors, exc.message]
        else:
            if created:
                flash(f"Imported {catalog.label} ({len(catalog.criteria)} criteria).", "success")
            else:
                flash(f"{catalog.label} was already imported from this very file; nothing changed.", "info")
            return redirect(url_for("catalogs.show", catalog_id=catalog.id))
    status = 422 if request.method == "POST" else 200
    return render_template("catalogs/import.html", form=form, problems=problems), status

