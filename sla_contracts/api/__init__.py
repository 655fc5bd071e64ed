"""The JSON API under /api/v1 (blueprint ``api``).

Each module declares its endpoints on the one blueprint with flask-smorest (see
``blueprint.py``); the OpenAPI document is generated from those declarations (``docs.py``).
A feature adding endpoints writes ``api/<feature>.py`` the same way and imports it below.
"""

from . import (  # noqa: F401  (routes, docs)
    activity,
    auth,
    charters,
    directory,
    docs,
    lifecycle,
    negotiation,
    notifications,
    overview,
    readings,
    reports,
    reviews,
    signing,
    silos,
)
from .blueprint import bp, init_app

__all__ = ["bp", "init_app"]
