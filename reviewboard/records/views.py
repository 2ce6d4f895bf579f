"""Record list and downloads (stored bytes, never re-rendered) and the public verification page."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SubmitField

from reviewboard.core.downloads import attachment
from reviewboard.core.errors_web import size_label
from reviewboard.core.forms import strip_nul
from reviewboard.core.pagination import page_arg, paginate
from reviewboard.extensions import limiter
from reviewboard.records import services
from reviewboard.records.keys import fingerprint, seal_certificate_der
from reviewboard.records.labels import PAGE_HASH_LABELS
from reviewboard.records.pdf import CONTENT_HASH_LABEL, FILE_HASH_LABEL

bp = Blueprint("records", __name__)


class VerifyForm(FlaskForm):
    file = FileField(_l("Signed record (PDF)"), validators=[FileRequired(message=_l("Choose the PDF to check."))])
    submit = SubmitField(_l("Verify"))



@bp.app_context_processor
def _record_helpers():
    # ``seal()`` is a callable: only the verify page reads the certificate
    return {"content_hash_label": PAGE_HASH_LABELS[CONTENT_HASH_LABEL],
            "file_hash_label": PAGE_HASH_LABELS[FILE_HASH_LABEL], "seal": _seal}


@bp.get("/records")
@login_required
def index():
    q = strip_nul(request.args.get("q") or "").strip()[:100]
    stmt = services.list_query(current_user, q)
    page = paginate(stmt, page_arg(request), current_app.config["PER_PAGE"],
                    count_parts=services.list_count_parts(current_user, q))
    return render_template("records/index.html", page=page, q=q)


@bp.get("/records/<int:record_id>.pdf")
@login_required
def download(record_id: int):
    stored = services.stored_file(current_user, record_id)
    if stored is None:
        abort(404)
    response = attachment(stored.pdf, stored.filename, "application/pdf")
    response.headers["X-File-SHA256"] = stored.pdf_sha256  # the file digest, not the content digest
    # a stored record's bytes never change (a new version is a new record): their digest is a strong validator,
    # and a client that has them (If-None-Match) gets 304 without the body
    response.set_etag(stored.pdf_sha256)
    return response.make_conditional(request)


# Room for the form around the file in a multipart body (boundaries, part headers, the CSRF token).
FORM_ENVELOPE_BYTES = 16 * 1024


def _verify_max_bytes() -> int:
    return int(current_app.config["VERIFY_MAX_BYTES"])


def _cap_verify_upload() -> None:
    """Anonymous uploads to the verify page are read only up to VERIFY_MAX_BYTES (the app-wide limit is the
    evidence limit); Werkzeug answers 413 from the Content-Length alone, before anything is parsed."""
    if request.endpoint == "records.verify":
        request.max_content_length = _verify_max_bytes() + FORM_ENVELOPE_BYTES


@bp.record_once
def _cap_before_csrf(state) -> None:
    # CSRFProtect reads the whole form in its before-request hook: the cap has to be set before that
    state.app.before_request_funcs.setdefault(None, []).insert(0, _cap_verify_upload)


def _too_large():
    form = VerifyForm(formdata=None)  # the body was refused unread: there is no form data to bind
    form.file.errors = [_("This file is larger than %(size)s, so it is not a ReviewBoard record (records are tens "
                          "of KiB). Nothing was checked.", size=size_label(_verify_max_bytes()))]
    return render_template("records/verify.html", form=form, result=None), 413


@bp.errorhandler(RequestEntityTooLarge)
def _refused_unread(_exc):
    return _too_large()


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["VERIFY_LIMIT_PER_ADDRESS"], methods=["POST"])
def verify():
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read(_verify_max_bytes() + 1)
        if len(data) > _verify_max_bytes():
            return _too_large()
        result = services.verify_record_bytes(data)
    return render_template("records/verify.html", form=form, result=result), \
        (422 if form.errors else 200)


def _seal() -> dict | None:
    try:
        der = seal_certificate_der()
    except (FileNotFoundError, ValueError):  # no key yet (`reviewboard keys init`): the page still verifies
        return None
    return {"subject": x509.load_der_x509_certificate(der).subject.rfc4514_string(), "fingerprint": fingerprint(der)}


@bp.get("/verify/seal-certificate.<any(pem, der):encoding>")
def seal_certificate(encoding: str):
    """The organisation's record-sealing certificate, public like the verify page, for pdfsig and pyHanko users."""
    der = seal_certificate_der()
    if encoding == "der":
        return attachment(der, "reviewboard-seal-certificate.der", "application/pkix-cert")
    pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)
    return attachment(pem, "reviewboard-seal-certificate.pem", "application/x-pem-file")
