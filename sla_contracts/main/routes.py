"""The home page: my charters by status, and what waits for me."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .dashboard import home_for
from .waiting import waiting_for_current_user

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    return render_template(
        "main/index.html", home=home_for(current_user, waiting=waiting_for_current_user())
    )
