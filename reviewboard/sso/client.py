"""The OpenID Connect relying party (Authlib): discovery, the authorization code flow with PKCE (S256), state and
nonce kept in the session, and the ID token's signature and claims (iss, aud, exp, iat, nonce, azp) verified
against the keys the provider publishes.

Raises SsoRefused, with a short reason for the audit trail and a sentence for the person, on anything that is not
a valid answer from the configured provider.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.oidc.core import CodeIDToken
from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from requests import RequestException

log = logging.getLogger("reviewboard.security")

# the session key of the one authorization request in flight: its state, purpose and signing intent
FLOW_KEY = "sso_flow"
LEEWAY = 60  # seconds of clock difference allowed with the provider on exp and iat


class SsoRefused(Exception):
    def __init__(self, reason: str, message: str, **detail):
        super().__init__(message)
        self.reason, self.message, self.detail = reason, message, detail


@dataclass(frozen=True)
class VerifiedLogin:
    """The verified ID token's claims, and the provider that issued them."""
    issuer: str
    claims: dict

    @property
    def subject(self) -> str:
        return str(self.claims["sub"])

    @property
    def auth_time(self) -> int | None:
        value = self.claims.get("auth_time")
        return int(value) if isinstance(value, int | float) else None


def configured() -> bool:
    cfg = current_app.config
    return bool(cfg.get("OIDC_ISSUER") and cfg.get("OIDC_CLIENT_ID"))


def local_login_allowed() -> bool:
    return not configured() or bool(current_app.config["OIDC_LOCAL_LOGIN"])


def provider():
    """This app's Authlib client for the configured provider (registered on first use; the discovery document
    and keys are fetched when first needed, not at start-up)."""
    app = current_app._get_current_object()
    cfg = app.config
    clients = app.extensions.setdefault("reviewboard_sso", {})
    key = (cfg["OIDC_ISSUER"], cfg["OIDC_CLIENT_ID"])
    oauth = clients.get(key)
    if oauth is None:
        oauth = OAuth(app)
        oauth.register(
            "idp", client_id=cfg["OIDC_CLIENT_ID"], client_secret=cfg["OIDC_CLIENT_SECRET"],
            server_metadata_url=cfg["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": cfg["OIDC_SCOPES"], "code_challenge_method": "S256",
                           "default_timeout": cfg["OIDC_HTTP_TIMEOUT"]})
        clients[key] = oauth
    return oauth.idp


def _metadata() -> dict:
    client = provider()
    try:
        metadata = client.load_server_metadata()
    except (RequestException, ValueError) as exc:
        raise SsoRefused("provider_unreachable", _("The identity provider cannot be reached. Try again later."),
                         error=type(exc).__name__) from None
    # OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for
    if metadata.get("issuer") != current_app.config["OIDC_ISSUER"]:
        raise SsoRefused("issuer_mismatch", _("The identity provider is not configured correctly."),
                         issuer=str(metadata.get("issuer")))
    return metadata


def redirect_to_provider(purpose: str, *, next_url: str | None = None, intent: str | None = None):
    """The redirect to the provider's authorization endpoint. ``purpose`` "signin", or "sign" for a signing
    re-authentication, which asks for a fresh login (prompt=login, max_age=0)."""
    _metadata()
    extra = {"prompt": "login", "max_age": 0} if purpose == "sign" else {}
    client = provider()
    redirect_uri = url_for("sso.callback", _external=True)
    data = client.create_authorization_url(redirect_uri, **extra)
    client.save_authorize_data(redirect_uri=redirect_uri, **data)
    session[FLOW_KEY] = {"state": data["state"], "purpose": purpose, "next": next_url, "intent": intent}
    return redirect(data["url"])


def complete_login() -> tuple[dict, VerifiedLogin]:
    """The provider's answer on the callback: the flow it completes (purpose, next, intent) and the verified
    login. The state is used once: a replayed or forged callback finds none in the session."""
    client = provider()
    state = request.args.get("state") or ""
    flow = session.pop(FLOW_KEY, None)
    state_data = client.framework.get_state_data(session, state) if state else None
    if state:
        client.framework.clear_state_data(session, state)
    if not state_data or not flow or flow.get("state") != state:
        raise SsoRefused("state", _("This sign-in answer was already used or was not asked for here. Start again."))
    if request.args.get("error"):
        raise SsoRefused("provider_error", _("The identity provider did not sign you in."),
                         error=request.args.get("error")[:100])
    metadata = _metadata()
    try:
        token = client.fetch_access_token(code=request.args.get("code") or "", redirect_uri=state_data["redirect_uri"],
                                          code_verifier=state_data.get("code_verifier"))
    except (OAuthError, RequestException, ValueError) as exc:
        raise SsoRefused("token_exchange", _("The identity provider refused the sign-in. Start again."),
                         error=getattr(exc, "error", None) or type(exc).__name__) from None
    if "id_token" not in token:
        raise SsoRefused("no_id_token", _("The identity provider sent no ID token."))
    login = verify_id_token(token["id_token"], state_data.get("nonce"), access_token=token.get("access_token"),
                            metadata=metadata)
    return flow, login


def verify_id_token(raw: str, nonce: str | None, *, access_token: str | None = None, metadata: dict | None = None,
                    now: int | None = None) -> VerifiedLogin:
    """Verify an ID token: its signature by one of the provider's published keys with an algorithm it announces,
    and its claims: issuer, audience (this client), authorized party, expiry, issue time, nonce and, when an
    access token came with it, at_hash. ``now`` (seconds) is for tests of expiry. Raises SsoRefused."""
    client = provider()
    metadata = metadata or _metadata()
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"], strict_check_header=False)
    if not nonce:
        raise SsoRefused("nonce", _("This sign-in answer was not asked for here. Start again."))
    try:
        try:
            token = jwt.decode(raw, KeySet.import_key_set(client.fetch_jwk_set()), registry=registry)
        except InvalidKeyIdError:  # the provider rotated its keys
            token = jwt.decode(raw, KeySet.import_key_set(client.fetch_jwk_set(force=True)), registry=registry)
        options = {"iss": {"essential": True, "value": metadata["issuer"]},
                   "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
                   "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}
        claims = CodeIDToken(token.claims, token.header, options,
                             {"nonce": nonce, "client_id": current_app.config["OIDC_CLIENT_ID"],
                              "access_token": access_token})
        claims.validate(now=now, leeway=LEEWAY)
    except RequestException as exc:  # the provider's keys could not be fetched
        raise SsoRefused("provider_unreachable", _("The identity provider cannot be reached. Try again later."),
                         error=type(exc).__name__) from None
    except (JoseError, ValueError) as exc:
        error = getattr(exc, "error", None) or type(exc).__name__
        description = getattr(exc, "description", None) or str(exc)
        raise SsoRefused("id_token", _("The identity provider's answer could not be verified. Nothing was changed."),
                         error=f"{error}: {description}"[:300]) from None
    return VerifiedLogin(metadata["issuer"], dict(claims))
