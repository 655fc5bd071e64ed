"""The new-charter page: the criterion explained, the pair's existing charters, and a start
from a starter template or from a copy of a charter the person may read."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..formats import collate
from ..formutil import options
from ..models import DEFAULT_TERM, Charter, CustomerCriterion, Department
from ..permissions import can_read, get_charter, readable_charters
from ..transaction import attempt
from . import operations as ops
from . import starters
from .forms import NewCharterForm
from .routes import _cadence_choices, _criterion_choices, bp
from .terms import term_choices

COPY_CHOICES_MAX = 200


def _source(value: str | None) -> starters.Content | None:
    """The content a "start from" value names; 404 for a charter the person may not read."""
    kind, _sep, ident = (value or "").partition(":")
    if kind == "starter":
        content = starters.starter_content(ident)
        if content is None:
            abort(404)
        return content
    if kind == "charter":
        if not ident.isdigit():
            abort(404)
        try:
            return starters.charter_content(get_charter(current_user, int(ident)))
        except NotFound:
            abort(404)
    if value:
        abort(404)
    return None


def _copy_choices(copy_id: int | None) -> list[Charter]:
    """Charters the person may read and copy (the one asked for included), by title."""
    readable = list(
        db.session.scalars(
            readable_charters(current_user)
            .order_by(Charter.updated_at.desc())
            .limit(COPY_CHOICES_MAX)
        )
    )
    if copy_id is not None and copy_id not in {c.id for c in readable}:
        readable.append(get_charter(current_user, copy_id))
    return collate(readable, key=lambda c: c.title)


@bp.route("/new", methods=["GET", "POST"])
def new():
    departments = collate(
        db.session.scalars(select(Department).where(Department.archived_at.is_(None))),
        key=lambda d: d.name,
    )
    mine = (
        departments
        if current_user.is_admin
        else [d for d in departments if d.id in current_user.head_of()]
    )
    if not mine:
        flash(_("Only department heads can open a charter."), "error")
        return redirect(url_for("main.index"))
    copy_id = request.args.get("copy", type=int)
    if copy_id is not None:
        _source(f"charter:{copy_id}")  # 404 before anything is shown
    form = NewCharterForm()
    form.department_a_id.choices = options((d.id, d.name) for d in mine)
    others = [d for d in departments if len(mine) != 1 or d.id != mine[0].id]
    form.department_b_id.choices = options(
        [(0, _("— choose —"))] + [(d.id, d.name) for d in others]
    )
    form.criterion_id.choices = options([(0, _("— choose —"))] + _criterion_choices())
    form.review_cadence_months.choices = options(_cadence_choices())
    form.term_months.choices = options(term_choices())
    form.start_from.choices = []  # rendered with its groups by the template
    if request.method == "GET":
        form.review_cadence_months.data = 3
        form.term_months.data = DEFAULT_TERM
        if copy_id is not None:
            form.start_from.data = f"charter:{copy_id}"
            source = get_charter(current_user, copy_id)
            form.criterion_id.data = source.criterion_id
            form.review_cadence_months.data = source.review_cadence_months
            form.term_months.data = source.term_months
    existing: list[Charter] = []
    if form.validate_on_submit():
        content = _source(form.start_from.data)
        pair = (form.department_a_id.data, form.department_b_id.data)
        existing = [c for c in starters.existing_charters(pair) if can_read(current_user, c)]
        if not existing or form.confirmed.data == "1":
            with attempt(form) as outcome:
                charter = ops.create_charter(
                    current_user,
                    title=form.title.data,
                    department_a_id=form.department_a_id.data,
                    department_b_id=form.department_b_id.data or None,
                    criterion_id=form.criterion_id.data or None,
                    review_cadence_months=form.review_cadence_months.data,
                    term_months=form.term_months.data,
                )
                if content is not None:
                    starters.draft_from(current_user, charter, content)
            if outcome.ok:
                flash(_started(content), "success")
                return redirect(url_for("charters.show", charter_id=charter.id))
            existing = []
        else:
            form.confirmed.data = "1"  # the next submit goes on: a warning, not a block
    criteria = collate(
        db.session.scalars(
            select(CustomerCriterion).where(CustomerCriterion.archived_at.is_(None))
        ),
        key=lambda c: c.name,
    )
    return render_template(
        "charters/new.html",
        form=form,
        criteria=criteria,
        starters=starters.list_starters(),
        copies=_copy_choices(copy_id),
        existing=existing,
    ), 422 if form.errors else 200


def _started(content: starters.Content | None) -> str:
    if content is None:
        return _("The draft is open. Add what each side commits to.")
    return _(
        "The draft is open, started from “%(source)s”. Your side's lines are yours; the other "
        "department's lines are drafted for it: it owns them and agrees to each one, or changes "
        "it.",
        source=content.title,
    )
