"""System certificates through the API: list, metadata with status and reasons, the DSSE envelope as signed,
and the PDF. Revoking stays on the certificate page (a chair's deliberate act with a reason)."""

from __future__ import annotations

from flask import Response
from marshmallow import Schema, fields

from reviewboard.api.blueprint import api_user, bp, requires
from reviewboard.api.loading import load
from reviewboard.certificates import services as certificates
from reviewboard.certificates.models import Certificate
from reviewboard.certificates.permissions import can_view_certificate
from reviewboard.core.downloads import attachment
from reviewboard.tokens.models import Scope

TAG = {"tags": ["Certificates"]}


class CertificateOut(Schema):
    id = fields.Integer(required=True)
    public_id = fields.String(required=True)
    project_id = fields.Integer(required=True)
    version_id = fields.Integer(required=True)
    record_id = fields.Integer(required=True)
    issued_at = fields.DateTime(required=True)
    valid_until = fields.Date(required=True)
    subjects = fields.List(fields.Raw(), required=True)
    statement_sha256 = fields.String(required=True)
    pdf_sha256 = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "valid, suspended, revoked or expired"})
    status_reasons = fields.List(fields.Raw(), required=True)
    status_changed_at = fields.DateTime(required=True)
    revoked_reason = fields.String(allow_none=True)


@bp.get("/certificates")
@bp.doc(**TAG, summary="Certificates of the projects visible to you, newest first (the last 200)")
@bp.response(200, CertificateOut(many=True))
@requires(Scope.READ)
def list_certificates():
    return certificates.visible_certificates(api_user())


@bp.get("/certificates/<int:cert_id>")
@bp.doc(**TAG, summary="A certificate with its current status and the reasons for it")
@bp.response(200, CertificateOut)
@requires(Scope.READ, 404)
def get_certificate(cert_id: int):
    return load(Certificate, cert_id, can_view_certificate)


@bp.get("/certificates/<int:cert_id>/envelope")
@bp.doc(**TAG, summary="The signed DSSE envelope (in-toto statement) exactly as issued",
        responses={"200": {"description": "The DSSE envelope", "content": {"application/json": {
            "schema": {"type": "object"}}}}})
@requires(Scope.READ, 404)
def certificate_envelope(cert_id: int):
    return Response(load(Certificate, cert_id, can_view_certificate).envelope, mimetype="application/json")


@bp.get("/certificates/<int:cert_id>/pdf")
@bp.doc(**TAG, summary="The certificate's PDF",
        responses={"200": {"description": "The PDF", "content": {"application/pdf": {
            "schema": {"type": "string", "format": "binary"}}}}})
@requires(Scope.READ, 404)
def certificate_pdf(cert_id: int):
    cert = load(Certificate, cert_id, can_view_certificate)
    response = attachment(cert.pdf, f"{cert.public_id}.pdf", "application/pdf")
    response.headers["X-File-SHA256"] = cert.pdf_sha256
    return response
