"""The criterion page (issue 14, point 1): ``/company/criteria/<id>``.

Anyone signed in reads the criterion's own readings; the charters, commitments, misses and
satisfaction shown are those of the charters the reader may read (an administrator: all).
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from ..charters import measures_view
from ..extensions import db
from ..formats import collate, local_date
from ..models import CustomerCriterion
from ..timeutil import utcnow
from .criterion import overview
from .criterion_chart import criterion_chart
from .routes import bp


@bp.route("/criteria/<int:criterion_id>")
@login_required
def criterion(criterion_id: int):
    found = db.session.get(CustomerCriterion, criterion_id)
    if found is None:
        abort(404)
    after = request.args.get("after", type=int)
    if after is not None and after < 0:
        abort(404)
    data = overview(found, current_user, local_date(utcnow()), after=after)
    return render_template(
        "company/criterion.html",
        o=data,
        chart=criterion_chart(data),
        measures_view=measures_view,
    )


@bp.route("/criteria")
@login_required
def criteria():
    """Every criterion in use, each linking to its page (the company map links here)."""
    rows = db.session.scalars(
        select(CustomerCriterion).where(CustomerCriterion.archived_at.is_(None))
    )
    return render_template("company/criteria.html", criteria=collate(rows, key=lambda c: c.name))
