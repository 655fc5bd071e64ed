"""The home page (what waits for me, my charters summarised), all that waits, all my charters."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from ..models import CharterStatus
from .dashboard import SECTIONS, charter_list, home_for
from .waiting import waiting_for_current_user

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    return render_template(
        "main/index.html", home=home_for(current_user, waiting=waiting_for_current_user())
    )


@bp.route("/waiting")
@login_required
def waiting():
    """Everything that waits for the person (the home page shows the first items)."""
    return render_template("main/waiting.html", waiting=waiting_for_current_user())


@bp.route("/charters")
@login_required
def charters():
    """Every charter the person reads, a page at a time, optionally one section's."""
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in SECTIONS}:
        abort(404)
    listing = charter_list(
        current_user,
        CharterStatus(status) if status else None,
        request.args.get("page", 1, type=int) or 1,
    )
    return render_template("main/charters.html", listing=listing, sections=SECTIONS)
