"""Browsing catalog versions and their criteria."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import login_required
from sqlalchemy import select

from reviewboard.catalogs.models import Catalog
from reviewboard.extensions import db

bp = Blueprint("catalogs", __name__)


@bp.get("/catalogs")
@login_required
def index():
    catalogs = db.session.scalars(select(Catalog).order_by(Catalog.key, Catalog.imported_at.desc())).all()
    return render_template("catalogs/index.html", catalogs=catalogs)


@bp.get("/catalogs/<int:catalog_id>")
@login_required
def show(catalog_id: int):
    catalog = db.session.get(Catalog, catalog_id) or abort(404)
    stage = request.args.get("stage", "")
    framework = request.args.get("framework", "")
    criteria = [c for c in catalog.criteria
                if (not stage or c.stage_code == stage)
                and (not framework or any(r["framework"] == framework for r in c.refs))]
    frameworks = sorted({r["framework"] for c in catalog.criteria for r in c.refs})
    stages = sorted({c.stage_code for c in catalog.criteria}, key=["DES", "DEV", "TST", "DEP", "OPS"].index)
    return render_template("catalogs/show.html", catalog=catalog, criteria=criteria, stage=stage,
                           framework=framework, frameworks=frameworks, stages=stages)
