"""Single sign-on routes: /sso/login sends the person to the identity provider, /sso/callback completes a
sign-in or a signing re-authentication. Both answer 404 while no provider is configured."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from reviewboard.auth.session import note_signature, start_session
from reviewboard.auth.views import _safe_next
from reviewboard.core.boundary import keep_changes
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db, limiter
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.services import ConditionEntry, sign_decision
from reviewboard.reviews.workflow import Outcome
from reviewboard.sso import client, services
from reviewboard.sso.signing import SESSION_ISSUER

bp = Blueprint("sso", __name__, url_prefix="/sso")


@bp.before_request
def _only_when_configured():
    if not client.configured():
        abort(404)


@bp.get("/login")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    try:
        return client.redirect_to_provider("signin", next_url=_safe_next(request.args.get("next")))
    except client.SsoRefused as exc:
        flash(exc.message, "danger")
        return redirect(url_for("auth.login"))


@bp.get("/callback")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
def callback():
    signer = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        flow, verified = client.complete_login()
    except client.SsoRefused as exc:
        services.record_refusal(exc, signer)
        keep_changes()
        flash(exc.message, "danger")
        return redirect(url_for("core.dashboard" if signer else "auth.login")), 303
    if flow["purpose"] == "sign":
        return _complete_signature(signer, flow, verified)
    if signer is not None:  # signed in meanwhile in another tab: nothing to do
        return redirect(url_for("core.dashboard"))
    try:
        user = services.sign_in(verified)
    except client.SsoRefused as exc:
        services.record_refusal(exc)
        keep_changes()
        flash(exc.message, "danger")
        return redirect(url_for("auth.login")), 303
    start_session(user)
    session[SESSION_ISSUER] = verified.issuer
    return redirect(_safe_next(flow.get("next")))


def _complete_signature(signer, flow, verified):
    """The fresh login for a signature: the same person at the same provider, after the signing began."""
    if signer is None:
        abort(403)
    try:
        identity = services.identity_of(signer)
        if identity is None or (identity.issuer, identity.subject) != (verified.issuer, verified.subject):
            raise client.SsoRefused("signer_mismatch", _("You logged in at the provider as someone else. Nothing was "
                                      "signed."), subject=verified.subject)
        intent = services.take_signing_intent(signer, flow.get("intent"))
    except client.SsoRefused as exc:
        services.record_refusal(exc, signer)
        keep_changes()
        flash(exc.message, "danger")
        return redirect(url_for("core.dashboard")), 303
    stage = db.session.get(StageReview, intent.stage_review_id)
    back = url_for("reviews.show", stage_id=stage.id)
    if stage.round_number != intent.round_number:
        keep_changes()
        flash(_("The stage moved to another round while you logged in. Nothing was signed."), "warning")
        return redirect(back), 303
    decision = intent.decision
    conditions = [ConditionEntry(text, owner_id, date.fromisoformat(due)) for text, owner_id, due
                  in decision["conditions"] if owner_id and due]
    proof = services.Reauthentication(verified.issuer, verified.auth_time, intent.started_at)
    try:
        sign_decision(signer, stage, Outcome(decision["outcome"]), "", conditions, decision["comment"],
                      reopen_all=decision["reopen_all"], reauthentication=proof)
    except ServiceError as exc:
        if getattr(exc, "persist", False):
            keep_changes()
        flash(exc.message, "danger" if exc.status != 409 else "warning")
        return redirect(back), 303
    note_signature()
    flash(_("Your decision is signed."), "success")
    return redirect(back)
