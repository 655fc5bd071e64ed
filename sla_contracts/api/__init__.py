"""The JSON API under /api/v1 (blueprint ``api``).

Each module adds its endpoints to the one blueprint and documents them in the OpenAPI
registry (``openapi.add_path`` / ``openapi.add_schema``). A feature adding endpoints writes
``api/<feature>.py`` the same way and imports it below.
"""

from . import (  # noqa: F401  (routes, docs)
    auth,
    charters,
    directory,
    docs,
    notifications,
    openapi,
    reviews,
    signing,
)
from .blueprint import bp, init_app

__all__ = ["bp", "init_app"]
