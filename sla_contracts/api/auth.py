"""API authentication: Bearer tokens (only their SHA-256 is stored) or the session cookie.

Every endpoint of the ``api`` blueprint needs a user unless marked ``@public``
(``blueprint.PUBLIC_ENDPOINTS``); views elsewhere can use ``@api_login_required``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit.operations import record_event
from ..auth import oidc
from ..auth.service import authenticate
from ..errors import DomainError, Forbidden
from ..extensions import db, limiter
from ..models import ApiToken, Role, User
from ..timeutil import utcnow
from ..transaction import atomic
from .blueprint import PUBLIC_ENDPOINTS, BadRequest, bp, operation, public
from .schemas import Bool, Id, List, Nested, Schema, Text, When

TOKEN_PREFIX = "rcq_"  # noqa: S105  (a marker, not a secret)
DEFAULT_TOKEN_DAYS = 30
# last_used_at is written at most this often, so reads do not all become writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_AUTH_KEY = "reciproque.api_auth"


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


# ---------------------------------------------------------------- tokens (services)


def hash_token(raw: str) -> str:
    """Return the stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_lifetime() -> timedelta:
    """How long a new token lives (API_TOKEN_LIFETIME_DAYS, 30 by default)."""
    return timedelta(days=current_app.config.get("API_TOKEN_LIFETIME_DAYS", DEFAULT_TOKEN_DAYS))


def issue_token(user: User, now: datetime) -> tuple[str, ApiToken]:
    """Create a token for ``user``; return the secret (shown once) and the stored row."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=now + token_lifetime(),
    )
    db.session.add(token)
    db.session.flush()
    record_event("created", actor=user, object_type="api_token", object_id=token.id, now=now)
    return raw, token


def resolve_token(raw: str, now: datetime) -> ApiToken | None:
    """Return the live token for ``raw``: not revoked, not expired, its owner not archived."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    return token


def revoke_token(token: ApiToken, now: datetime) -> None:
    """End a token now."""
    token.revoked_at = now
    db.session.flush()
    record_event("revoked", actor=token.user, object_type="api_token", object_id=token.id, now=now)


# ---------------------------------------------------------------- the caller


def _authenticate() -> tuple[User | None, ApiToken | None]:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _sep, raw = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthorized(_("Send Authorization: Bearer followed by your token."))
        now = utcnow()
        token = resolve_token(raw.strip(), now)
        if token is None:
            raise Unauthorized(_("This token is unknown, expired or revoked."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            with atomic():
                token.last_used_at = now
        # Make the token's owner Flask-Login's user for this request only (no session
        # cookie is written), so messages follow their language like on the pages.
        current_app.login_manager._update_request_context_with_user(token.user)
        return token.user, token
    if current_user.is_authenticated:
        if request.method in WRITE_METHODS and not request.is_json:
            raise BadRequest(
                _(
                    "With the session cookie, requests that change data must send "
                    "Content-Type: application/json."
                )
            )
        return current_user._get_current_object(), None
    return None, None


def current_api_user() -> User | None:
    """Return the authenticated caller (token or session), or None; a bad token raises 401."""
    # Cached in the WSGI environ: it belongs to this request whatever the app context.
    cached = request.environ.get(_AUTH_KEY)
    if cached is None:
        cached = request.environ[_AUTH_KEY] = _authenticate()
    return cached[0]


def current_api_token() -> ApiToken | None:
    """Return the token the caller authenticated with (None for the session cookie)."""
    current_api_user()
    return request.environ[_AUTH_KEY][1]


def require_api_user() -> User:
    """Return the caller or raise 401."""
    user = current_api_user()
    if user is None:
        raise Unauthorized(_("Authenticate with a token or sign in."))
    return user


def api_login_required(view: Callable) -> Callable:
    """Refuse anonymous callers with a 401 JSON error (never a redirect to /login)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        require_api_user()
        return view(*args, **kwargs)

    return wrapped


@bp.before_request
def _require_user_by_default():
    # Deny by default: a new endpoint without @public needs a user even if its author
    # forgot @api_login_required.
    if request.endpoint not in PUBLIC_ENDPOINTS:
        require_api_user()


@bp.after_request
def _unauthorized_header(response):
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# ---------------------------------------------------------------- shapes

ROLES = tuple(r.value for r in Role)


class TokenRequestSchema(Schema):
    email = Text(required=True, max_length=254)
    password = Text(required=True, max_length=200)


class TokenSchema(Schema):
    token = Text(required=True, metadata={"description": "Shown once; only its hash is stored"})
    token_type = Text(required=True, choices=("Bearer",))
    expires_at = When(required=True)


class MembershipSchema(Schema):
    department_id = Id(required=True)
    role = Text(required=True, choices=ROLES)


class MeSchema(Schema):
    id = Id(required=True)
    name = Text(required=True)
    email = Text(required=True)
    locale = Text(required=True)
    is_admin = Bool(required=True)
    memberships = List(Nested(MembershipSchema), required=True)


TOKEN_EXAMPLE = {
    "token": "rcq_…",
    "token_type": "Bearer",
    "expires_at": "2026-12-25T08:00:00+00:00",
}
ME_EXAMPLE = {
    "id": 3,
    "name": "Alice Martin",
    "email": "alice@example.com",
    "locale": "fr",
    "is_admin": False,
    "memberships": [{"department_id": 1, "role": "head"}],
}


# ---------------------------------------------------------------- endpoints


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/tokens")
@public
@limiter.limit(_login_limit, deduct_when=lambda r: r.status_code != 201)
@operation(
    "Exchange an e-mail and password for a Bearer token",
    who="anyone (no authentication); rate-limited like the login form "
    "(LOGIN_RATE_LIMIT per address: 429 past it)",
    tag="auth",
    errors=(400, 403, 422, 429),
    description="Tokens expire (API_TOKEN_LIFETIME_DAYS, 30 days by default) and stop "
    "working when revoked or when their owner is archived. A wrong e-mail or password is a "
    "401 unauthorized. When the administrator (or OIDC_REQUIRED) requires the company's "
    "identity provider, passwords are refused here too: 403 forbidden.",
)
@bp.arguments(TokenRequestSchema, example={"email": "head@example.com", "password": "…"})
@bp.response(201, TokenSchema, description="A new token", example=TOKEN_EXAMPLE)
def create_token(data):
    if oidc.is_required():
        # Passwords are not a credential any more: none is checked, none gives a token.
        raise Forbidden(
            _("Passwords are not used here: everyone signs in through %(provider)s.",
              provider=oidc.provider_name())
        )  # fmt: skip
    user = authenticate(data["email"], data["password"])
    if user is None:
        raise Unauthorized(_("Wrong e-mail or password."))
    with atomic():
        raw, token = issue_token(user, utcnow())
    return {"token": raw, "token_type": "Bearer", "expires_at": token.expires_at}


@bp.delete("/tokens/current")
@operation(
    "Revoke the token this request is authenticated with",
    who="anyone authenticated by a token (with the session cookie: 400)",
    tag="auth",
    errors=(400,),
)
@bp.response(204, description="Revoked")
def revoke_current_token():
    token = current_api_token()
    if token is None:
        raise BadRequest(_("This request is not authenticated by a token."))
    with atomic():
        revoke_token(token, utcnow())
    return ""


@bp.get("/me")
@operation("The caller and their departments", who="anyone signed in", tag="auth")
@bp.response(200, MeSchema, description="The caller", example=ME_EXAMPLE)
def me():
    return require_api_user()


def loads(name: str, load: Callable[..., Any], *, write: bool = False) -> Callable:
    """Load the path's ``<name>_id`` for the caller before the body or query is read.

    ``load(user, id, write=...)`` applies the permissions: outsiders get 404 (readers 403
    when ``write``) whatever they send, before a 422 could answer anything about the body.
    The view receives the object as ``<name>``. Put it just above ``@bp.arguments``.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            kwargs[name] = load(require_api_user(), kwargs.pop(f"{name}_id"), write=write)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def location(endpoint: str, **values) -> str:
    """Return the URL of an API endpoint (for Location headers)."""
    return url_for(f"api.{endpoint}", **values)
