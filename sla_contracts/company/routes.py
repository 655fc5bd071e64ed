"""The company's pages: one page per end-customer criterion, the report for leadership.

Blueprint ``company`` → URL prefix ``/company`` → templates in ``templates/company/``. Other
modules of this package add their routes to ``bp`` and are imported in
``register_blueprints``.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("company", __name__, url_prefix="/company")
