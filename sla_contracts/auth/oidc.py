"""Sign-in with the company's OpenID Connect provider (Authlib's Flask client).

The provider is found by discovery (``{OIDC_ISSUER}/.well-known/openid-configuration``);
every request to it carries a state, a nonce and a PKCE challenge (S256). Authlib keeps the
state's data (nonce, code verifier) in the signed session cookie and checks the state on the
way back; :class:`ClockedIDToken` checks the ID token's issuer, audience, expiry and nonce
against this module's clock (``utcnow``, so a test can move it).

One callback serves two purposes, named in the session's ``oidc_intent``: "login" (find
or create the person, ``directory.identity``), and re-authentication before a signature
(``prompt=login``, ``max_age=0``; the returned ``auth_time`` must be after the request
started). A feature above ``auth`` (signing) registers what a re-authentication completes
with :func:`on_reauthenticated`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.oidc.core import CodeIDToken
from flask import Flask, current_app, session, url_for
from flask_babel import gettext as _
from joserfc.errors import JoseError

from ..errors import DomainError
from ..extensions import db
from ..models import IdentitySettings
from ..timeutil import utcnow

EXTENSION = "reciproque_oidc"
CLIENT = "oidc"
SCOPE = "openid email profile"
INTENT = "oidc_intent"
# Clock skew tolerated on exp/iat (seconds): small, so an expired token is refused promptly.
LEEWAY = 60


class OidcRefused(DomainError):
    """The provider's answer is not accepted: the person is not signed in (nothing created)."""

    code = "oidc_refused"
    status = 400


class ProviderUnavailable(DomainError):
    """The provider could not be reached (discovery, token or keys)."""

    code = "oidc_unavailable"
    status = 503


@dataclass(frozen=True)
class Identity:
    """What a verified ID token says about the person."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    claims: dict[str, Any]
    id_token: str
    auth_time: int | None


class ClockedIDToken(CodeIDToken):
    """An ID token validated against :func:`utcnow` (the app's clock), not ``time.time()``."""

    def validate(self, now=None, leeway=0):
        if now is None:
            now = int(utcnow().timestamp())
        super().validate(now=now, leeway=leeway)


def init_app(app: Flask) -> None:
    """Register the provider's client when ``OIDC_ISSUER`` and ``OIDC_CLIENT_ID`` are set."""
    oauth = OAuth(app)
    app.extensions[EXTENSION] = oauth
    issuer = app.config.get("OIDC_ISSUER", "").rstrip("/")
    if issuer and app.config.get("OIDC_CLIENT_ID"):
        oauth.register(
            CLIENT,
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config.get("OIDC_CLIENT_SECRET") or None,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                "default_timeout": 10,
            },
        )


def client():
    return current_app.extensions[EXTENSION].create_client(CLIENT)


def is_configured() -> bool:
    """True when the company's provider is set up (issuer and client id)."""
    return client() is not None


def provider_name() -> str:
    """The name on the button: ``OIDC_PROVIDER_NAME``, else "your company"."""
    return current_app.config.get("OIDC_PROVIDER_NAME") or _("your company")


def identity_settings() -> IdentitySettings:
    """The administrator's sign-in settings (the one row, or the defaults when absent)."""
    row = db.session.get(IdentitySettings, 1)
    return row if row is not None else IdentitySettings(id=1, oidc_required=False)


def is_required() -> bool:
    """Everyone signs in through the provider (``OIDC_REQUIRED`` or the administrator's choice).

    Only when a provider is configured: requiring one that does not exist would lock
    everybody out.
    """
    if not is_configured():
        return False
    return bool(current_app.config.get("OIDC_REQUIRED") or identity_settings().oidc_required)


def redirect_uri() -> str:
    """``{BASE_URL}/auth/oidc/callback``: the address registered at the provider."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for("oidc.callback")


def _unavailable(error: Exception) -> ProviderUnavailable:
    current_app.logger.warning("identity provider unreachable: %s", error)
    return ProviderUnavailable(
        _(
            "%(provider)s's sign-in service cannot be reached just now. Try again in a "
            "moment, or sign in with your password if you have one.",
            provider=provider_name(),
        )
    )


def start(purpose: str, *, reauthenticate: bool = False, **data: Any):
    """Redirect the person to the provider (state, nonce, PKCE); the callback finishes it.

    ``reauthenticate`` asks for a fresh sign-in (``prompt=login``, ``max_age=0``) and
    remembers when it was asked: the ``auth_time`` returned must not be earlier.
    """
    app_client = client()
    nonce = _nonce()
    started = int(utcnow().timestamp())
    extra = {"prompt": "login", "max_age": 0} if reauthenticate else {}
    try:
        answer = app_client.authorize_redirect(redirect_uri(), nonce=nonce, **extra)
    except requests.RequestException as error:
        raise _unavailable(error) from error
    state = _state_of(answer.location)
    session[INTENT] = {
        "purpose": purpose,
        "state": state,
        "started": started,
        "reauthenticate": reauthenticate,
        **data,
    }
    return answer


def _nonce() -> str:
    import secrets

    return secrets.token_urlsafe(24)


def _state_of(location: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(location).query)["state"][0]


def finish(args: Any) -> tuple[dict[str, Any], Identity]:
    """Check the provider's answer to the callback; the intent and the verified identity.

    Raises :class:`OidcRefused` (with the reason for the person) or
    :class:`ProviderUnavailable`; the session's intent is used up either way.
    """
    intent = session.pop(INTENT, None)
    if args.get("error"):
        if args.get("error") in {"login_required", "access_denied", "interaction_required"}:
            raise OidcRefused(
                _("The sign-in at %(provider)s was cancelled.", provider=provider_name())
            )
        raise OidcRefused(
            _(
                "%(provider)s refused the sign-in (%(error)s).",
                provider=provider_name(),
                error=str(args.get("error"))[:80],
            )
        )
    if not intent or not args.get("state") or args.get("state") != intent.get("state"):
        raise OidcRefused(
            _(
                "This answer from %(provider)s does not match a sign-in started in this "
                "browser (it may be old or used already). Start again.",
                provider=provider_name(),
            )
        )
    app_client = client()
    try:
        token = app_client.authorize_access_token(claims_cls=ClockedIDToken, leeway=LEEWAY)
    except OAuthError as error:
        if error.error in {"invalid_grant", "mismatching_state"}:
            raise OidcRefused(
                _(
                    "%(provider)s did not accept this sign-in code (it may have been used "
                    "already). Start again.",
                    provider=provider_name(),
                )
            ) from error
        raise OidcRefused(
            _("%(provider)s refused the sign-in (%(error)s).", provider=provider_name(),
              error=str(error.error)[:80])
        ) from error  # fmt: skip
    except JoseError as error:
        raise _invalid_token(error) from error
    except requests.RequestException as error:
        raise _unavailable(error) from error
    claims = token.get("userinfo")
    if not claims or "id_token" not in token:
        raise OidcRefused(_("%(provider)s sent no identity token.", provider=provider_name()))
    identity = Identity(
        issuer=claims["iss"],
        subject=str(claims["sub"]),
        email=claims.get("email"),
        email_verified=claims.get("email_verified") is True,
        name=claims.get("name"),
        claims=dict(claims),
        id_token=token["id_token"],
        auth_time=claims.get("auth_time"),
    )
    if intent.get("reauthenticate"):
        _check_fresh(identity, intent)
    return intent, identity


def _invalid_token(error: JoseError) -> OidcRefused:
    from joserfc.errors import ExpiredTokenError

    name = getattr(error, "claim", None) or getattr(error, "error", "")
    if isinstance(error, ExpiredTokenError):
        message = _(
            "The identity token from %(provider)s has expired. Sign in again.",
            provider=provider_name(),
        )
    elif "aud" in str(name) or "azp" in str(name):
        message = _(
            "The identity token from %(provider)s was issued for another application: "
            "it is not accepted here.",
            provider=provider_name(),
        )
    else:
        message = _(
            "The identity token from %(provider)s is not valid (%(reason)s): it is not accepted.",
            provider=provider_name(),
            reason=str(name)[:40] or error.__class__.__name__,
        )
    current_app.logger.info("ID token refused: %r", error)
    return OidcRefused(message)


def _check_fresh(identity: Identity, intent: dict[str, Any]) -> None:
    """A re-authentication proves a sign-in made after it was asked for."""
    auth_time = identity.auth_time
    started = intent.get("started")
    if (
        not isinstance(auth_time, (int, float))
        or started is None
        or math.floor(auth_time) < int(started)
    ):
        raise OidcRefused(
            _(
                "%(provider)s did not ask you to sign in again just now, so this cannot "
                "confirm your signature. Your signature was not recorded: try again.",
                provider=provider_name(),
            )
        )


# ---------------------------------------------------------------- what a re-authentication does

_REAUTHENTICATED: dict[str, Callable[[dict[str, Any], Identity], Any]] = {}


def on_reauthenticated(purpose: str, handler: Callable[[dict[str, Any], Identity], Any]) -> None:
    """Let a feature finish its re-authentication: ``handler(intent, identity)`` → a response."""
    _REAUTHENTICATED[purpose] = handler


def reauthenticated_handler(purpose: str) -> Callable[[dict[str, Any], Identity], Any] | None:
    return _REAUTHENTICATED.get(purpose)


def logout_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), or None where it has none."""
    app_client = client()
    if app_client is None:
        return None
    try:
        metadata = app_client.load_server_metadata()
    except (requests.RequestException, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = app_client.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        client_id=current_app.config["OIDC_CLIENT_ID"],
    )
    return result["url"]
