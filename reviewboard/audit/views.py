"""The audit trail in the browser, for auditors and chairs: the filtered events, verifying the chain and
exporting a filtered slice."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.audit import browse, verification
from reviewboard.audit.permissions import can_view_audit_trail
from reviewboard.audit.services import verify_chain
from reviewboard.core.export import export_response

bp = Blueprint("audit", __name__)


def _allowed() -> None:
    if not can_view_audit_trail(current_user):
        abort(403)


def _render(args, check=None, status: int = 200):
    f, problems = browse.parse_filter(args)
    before, after = browse.seq_arg(request.args.get("before")), browse.seq_arg(request.args.get("after"))
    page = browse.events_page(f, before=before, after=None if before else after,
                              per_page=int(current_app.config["AUDIT_PER_PAGE"]))
    return render_template("audit/index.html", f=f, problems=problems, page=page, check=check,
                           background=verification.latest(), head=browse.chain_head()), status


@bp.get("/audit")
@login_required
def index():
    _allowed()
    return _render(request.args)


@bp.post("/audit/verify")
@login_required
def verify():
    """A short trail is verified here and now; a longer one in the job queue, the page then showing it running
    (with a link to look again) and then its result."""
    _allowed()
    if verification.fits_in_request():
        return _render(request.args, check=verify_chain())
    verification.start(current_user)
    flash(_("The trail is long: it is being verified in the background. The result appears on this page."), "info")
    return redirect(url_for("audit.index", **request.args) + "#verify-background", 303)


@bp.post("/audit/export.<fmt>")
@login_required
def export(fmt: str):
    _allowed()
    f, _problems = browse.parse_filter(request.form)
    return export_response(fmt, lambda: browse.export_events(current_user, f), url_for("audit.index", **f.args()))
