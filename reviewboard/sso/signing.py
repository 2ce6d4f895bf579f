"""Signing a decision as an SSO user: the review form's "Sign decision" saves the verdicts, keeps the decision as a
signing intent (bound to the stage round, expiring), and sends the person to the provider for a fresh login
(prompt=login, max_age=0); the callback (sso.views) completes the signature when auth_time shows that the login
happened after the signing began. The record says "OpenID Connect login at <issuer>" for how they authenticated."""

from __future__ import annotations

from flask import current_app, session
from flask_babel import gettext as _

from reviewboard.core.errors import ServiceError
from reviewboard.sso import client
from reviewboard.sso.services import start_signing

SESSION_ISSUER = "sso_issuer"  # set when this session was opened through the provider


def signs_at_provider() -> bool:
    """Whether the signed-in person re-proves who they are at the provider when signing: they signed in there."""
    return client.configured() and session.get(SESSION_ISSUER) == current_app.config["OIDC_ISSUER"]


def provider_name_if_signing() -> str | None:
    return current_app.config["OIDC_PROVIDER_NAME"] if signs_at_provider() else None


def redirect_to_sign(user, stage, form):
    """Keep the decision of the review form ``form`` (already checked) and send the signer to the provider."""
    decision = {
        "outcome": form.outcome.data, "comment": form.comment.data or "", "reopen_all": bool(form.reopen_all.data),
        "conditions": [[entry.text.data.strip(), entry.owner_id.data,
                        entry.due_date.data.isoformat() if entry.due_date.data else None]
                       for entry in form.conditions if (entry.text.data or "").strip()],
    }
    intent = start_signing(user, stage, decision)
    try:
        return client.redirect_to_provider("sign", intent=intent.token)
    except client.SsoRefused as exc:  # the provider is down: the form comes back as typed, nothing is kept
        raise ServiceError(_("%(problem)s Nothing was signed.", problem=exc.message), "password") from None
