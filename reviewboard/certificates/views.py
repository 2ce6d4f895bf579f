"""Certificate pages: the list and one certificate for those who may see its project (downloads, label, a
chair's revocation); and the public side, without sign-in: a certificate's status page, its badge and the
signed status list."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.core.downloads import attachment
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.language import current_language
from reviewboard.core.loading import load_or_404
from reviewboard.projects.tiering import TIER_LABELS

from . import pdf, services, status
from .forms import RevokeForm
from .labels import STATUS_LABELS
from .models import Certificate
from .permissions import can_revoke_certificate, can_view_certificate
from .reasons import reason_words
from .statement import status_url
from .statuslist import current_envelope
from .systems_facts import duty_title

bp = Blueprint("certificates", __name__)


@bp.app_template_filter("duty_title")
def _duty_title(duty: dict, language: str | None = None) -> str:
    """{{ d|duty_title }}: a certified registration duty's title in the reader's language (or ``language``, the
    printed certificate's)."""
    return duty_title(duty, language or current_language())


def _label(cert: Certificate) -> dict[str, str]:
    return pdf.label_parts(cert.public_id, cert.status, status_url(cert.public_id),
                          url_for("certificates.badge", public_id=cert.public_id, _external=True))


@bp.get("/certificates")
@login_required
def index():
    return render_template("certificates/index.html", certificates=services.visible_certificates(current_user),
                           status_labels=STATUS_LABELS)


def _render(cert: Certificate, form=None, code: int = 200):
    if form is None and can_revoke_certificate(current_user, cert) and not cert.final:
        form = RevokeForm()
    from reviewboard.register.permissions import can_manage_listing  # the register builds on certificates

    label = _label(cert)
    return render_template("certificates/show.html", cert=cert, statement=services.statement_of(cert), form=form,
                           label=label, label_html=pdf.label_html(label),
                           can_list=can_manage_listing(current_user, cert.project), status_labels=STATUS_LABELS,
                           tier_labels=TIER_LABELS, reason_words=reason_words), code


@bp.get("/certificates/<int:cert_id>")
@login_required
def show(cert_id: int):
    return _render(load_or_404(Certificate, cert_id, can_view_certificate))


@bp.get("/certificates/<int:cert_id>.intoto.json")
@login_required
def envelope(cert_id: int):
    cert = load_or_404(Certificate, cert_id, can_view_certificate)
    return attachment(cert.envelope.encode(), cert.envelope_filename, "application/json")


@bp.get("/certificates/<int:cert_id>.pdf")
@login_required
def download_pdf(cert_id: int):
    cert = load_or_404(Certificate, cert_id, can_view_certificate)
    response = attachment(cert.pdf, cert.filename, "application/pdf")
    response.headers["X-File-SHA256"] = cert.pdf_sha256
    return response


@bp.post("/certificates/<int:cert_id>/revoke")
@login_required
def revoke(cert_id: int):
    cert = load_or_404(Certificate, cert_id, can_view_certificate)
    if not can_revoke_certificate(current_user, cert):
        abort(403)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _render(cert, form, 422)
    try:
        status.revoke(current_user, cert, form.reason.data)
    except NotPermitted:
        abort(403)
    except ServiceError as exc:
        if exc.status == 409:
            flash(exc.message, "warning")
            return _render(cert, None, 409)
        attach_error(form, exc)
        return _render(cert, form, 422)
    flash(_("Certificate %(id)s is revoked. The status list is being re-signed.", id=cert.public_id), "success")
    return redirect(url_for("certificates.show", cert_id=cert.id))


# -- public ---------------------------------------------------------------------------------------------

def _public(public_id: str) -> Certificate:
    cert = services.by_public_id(public_id)
    if cert is None:
        abort(404)
    return cert


@bp.get("/c/<public_id>")
def public_status(public_id: str):
    """What the QR code opens: the certificate's status, nothing internal."""
    from reviewboard.register.services import is_listed  # the register builds on certificates

    cert = _public(public_id)
    predicate = services.statement_of(cert)["predicate"]
    # public ids can be guessed in sequence: a system's name is public only once a chair listed it
    return render_template("certificates/public.html", cert=cert, version=predicate["version"]["label"],
                           system=predicate["system"]["name"] if is_listed(cert.project) else None,
                           label=_label(cert), status_labels=STATUS_LABELS)


@bp.get("/c/<public_id>/badge.svg")
def badge(public_id: str):
    cert = _public(public_id)
    response = Response(pdf.badge_svg(cert.public_id, cert.status), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.get("/certificates/status-list.json")
def status_list():
    """The newest signed status list (a DSSE envelope); 404 before the first certificate."""
    envelope_ = current_envelope()
    if envelope_ is None:
        abort(404)
    response = Response(json.dumps(envelope_), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
