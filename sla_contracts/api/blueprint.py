"""The ``api`` blueprint under ``/api/v1``, shared by every feature's endpoints.

CSRF: the blueprint is exempt from Flask-WTF's form token. Requests authenticated by a
Bearer token cannot be forged by another site (it cannot read the token). Requests
authenticated by the session cookie that write (POST, PUT, PATCH, DELETE) must send
``Content-Type: application/json`` (checked in ``auth.current_api_user``): a cross-site HTML
form cannot send that header, and a cross-site script cannot either without a CORS preflight,
which this app never grants.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint

from ..errors import DomainError
from ..extensions import csrf, db, login_manager
from ..main.errors import error_response

API_PREFIX = "/api/v1"

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
csrf.exempt(bp)

# Endpoints that answer without authentication; every other one needs a user.
PUBLIC_ENDPOINTS: set[str] = set()


def public(view: Callable) -> Callable:
    """Mark a view of this blueprint as open to anonymous callers (put it under the route)."""
    PUBLIC_ENDPOINTS.add(f"{bp.name}.{view.__name__}")
    return view


@bp.record_once
def _no_login_redirect(state) -> None:
    # Flask-Login redirects to /login when a view needs a user; under the API a plain
    # 401 (rendered as JSON by the error handler) is the only sensible answer.
    login_manager.blueprint_login_views[bp.name] = None


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    # Nothing of a refused request is kept, whatever the service flushed before failing.
    db.session.rollback()
    body, status = error_response(
        error.status, error.code, error.message, error.field, error.details
    )
    return body, status, error.headers
