"""Browsing catalog versions and their criteria, comparing versions, and the chair's import page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.catalogs import labels
from reviewboard.catalogs import permissions as perms
from reviewboard.catalogs.diff import diff_catalogs
from reviewboard.catalogs.forms import CatalogUploadForm
from reviewboard.catalogs.models import Catalog, Criterion
from reviewboard.catalogs.schema import FRAMEWORKS, SOURCE_FRAMEWORKS, TIERS, CatalogError
from reviewboard.catalogs.services import catalog_versions, catalogs_by_key, find_catalog, upload_catalog
from reviewboard.core.errors import ServiceError
from reviewboard.core.language import current_language, translated
from reviewboard.core.loading import load_or_404
from reviewboard.i18n.languages import LANGUAGES, SOURCE_LANGUAGE, babel_locale

bp = Blueprint("catalogs", __name__)
TEXT_FIELDS = ("title", "question", "guidance", "evidence_types")


def _ref_value(framework: str, ref: str) -> str:
    return f"{framework}|{ref}"


def _matches_ref(criterion: Criterion, wanted: str) -> bool:
    """A criterion cites ``framework|ref``, or a sub-clause of it ("Art. 9" also finds "Art. 9(2)")."""
    framework, _sep, ref = wanted.partition("|")
    return any(r["framework"] == framework and (r["ref"] == ref or r["ref"].startswith((ref + "(", ref + ".")))
               for r in criterion.refs)


def _matches_text(criterion: Criterion, q: str) -> bool:
    """The search finds text in any of the criterion's languages (a bilingual committee searches in either)."""
    q = q.casefold()
    texts = [criterion.code, criterion.title, criterion.question, criterion.guidance]
    for by_field in (criterion.translations or {}).values():
        texts += [by_field.get(name) or "" for name in ("title", "question", "guidance")]
    return any(q in value.casefold() for value in texts)


def crosswalk(criterion: Criterion) -> list[dict]:
    """The criterion's references grouped per framework, sources first, in the catalog's framework order."""
    groups = []
    for framework in FRAMEWORKS:
        refs = [r for r in criterion.refs if r["framework"] == framework]
        if refs:
            groups.append({"framework": framework, "label": labels.framework_label(framework),
                           "source": framework in SOURCE_FRAMEWORKS, "refs": refs})
    return groups


def other_texts(criterion: Criterion) -> list[dict]:
    """The criterion's texts in the languages other than the reader's (those it has), for a bilingual committee
    that discusses one criterion in both: [{"language", "name", "texts": {title, question, ...}, "separator"}]."""
    reading = current_language()
    out = []
    for language, name in LANGUAGES.items():
        if language == reading:
            continue
        if language == SOURCE_LANGUAGE:
            texts = {field: getattr(criterion, field) for field in TEXT_FIELDS}
        else:
            texts = (criterion.translations or {}).get(language) or {}
        if any(texts.get(field) for field in TEXT_FIELDS):
            with force_locale(babel_locale(language)):
                separator = labels.clause_separator()
            out.append({"language": language, "name": name, "texts": texts, "separator": separator})
    return out


@bp.app_template_filter("framework_label")
def framework_label(framework: str) -> str:
    return labels.framework_label(framework)


@bp.app_template_filter("tier_names")
def tier_names(tiers) -> str:
    return labels.tier_names(tiers)


@bp.app_template_filter("tier_name")
def tier_name(tier: str) -> str:
    return labels.tier_name(tier)


def _label(catalog: Catalog) -> str:
    return f"{translated(catalog, 'name')} v{catalog.version}"


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
    # (the value the filter sends, the reference as the reader reads it)
    references = {f: sorted({(r["ref"], translated(r, "ref")) for c in catalog.criteria for r in c.refs
                             if r["framework"] == f}) for f in frameworks}
    stages = list(dict.fromkeys(c.stage_code for c in catalog.criteria))  # the catalog's own order
    deprecated_count = sum(1 for c in catalog.criteria if c.deprecated)
    return render_template("catalogs/show.html", catalog=catalog, criteria=criteria, stage=stage, tier=tier,
                           framework=framework, ref=ref, q=q, show_deprecated=show_deprecated,
                           frameworks=frameworks, references=references, stages=stages, tiers=TIERS,
                           ref_value=_ref_value, deprecated_count=deprecated_count,
                           framework_names={f: labels.framework_label(f) for f in FRAMEWORKS},
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
                           groups=crosswalk(found), others=others, ref_value=_ref_value,
                           applicability=labels.APPLICABILITY_NAMES.get(found.applicability, found.applicability),
                           separator=labels.clause_separator(), other_texts=other_texts(found))


@bp.get("/catalogs/<key>/diff")
@login_required
def diff(key: str):
    versions = catalog_versions(key)
    if not versions:
        abort(404)
    numbers = [v.version for v in versions]
    old_version = request.args.get("from") or (numbers[-2] if len(numbers) > 1 else numbers[-1])
    new_version = request.args.get("to") or numbers[-1]
    old, new = find_catalog(key, old_version), find_catalog(key, new_version)
    if old is None or new is None:
        abort(404)
    return render_template("catalogs/diff.html", key=key, versions=versions, old=old, new=new,
                           result=diff_catalogs(old, new), criteria={c.code: c for c in new.criteria},
                           change_label=labels.change_label, summary=labels.summary,
                           applicability_names=labels.APPLICABILITY_NAMES,
                           separator=labels.clause_separator())


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
                flash(_("Imported %(catalog)s (%(count)s criteria).", catalog=_label(catalog),
                        count=len(catalog.criteria)), "success")
            else:
                flash(_("%(catalog)s was already imported from this very file; nothing changed.",
                        catalog=_label(catalog)), "info")
            return redirect(url_for("catalogs.show", catalog_id=catalog.id))
    status = 422 if request.method == "POST" else 200
    return render_template("catalogs/import.html", form=form, problems=problems), status

