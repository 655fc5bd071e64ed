"""The administrator's page of dependent pairs: declared, suggested, added, removed.

Routes of the ``directory`` blueprint (admins only, as the whole directory), registered by being
imported in ``register_blueprints``. The services are in ``silos.py``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..formats import collate
from ..formutil import options
from ..models import Department
from ..transaction import attempt
from . import silos
from .forms import DependencyForm
from .routes import bp


def _active_departments() -> list[Department]:
    return collate(
        db.session.scalars(select(Department).where(Department.archived_at.is_(None))),
        key=lambda d: d.name,
    )


def _render(form: DependencyForm | None = None, status: int = 200):
    departments = _active_departments()
    if form is None:
        form = DependencyForm(formdata=None)
    choices = options([(0, _("— choose —"))] + [(d.id, d.name) for d in departments])
    form.first.choices = form.second.choices = choices
    declared = collate(
        silos.declared_pairs(),
        key=lambda p: f"{p.department_low.name} {p.department_high.name}",
    )
    suggestions = collate(
        silos.suggested_pairs(departments), key=lambda s: f"{s.first.name} {s.second.name}"
    )
    return render_template(
        "directory/dependencies.html", form=form, declared=declared, suggestions=suggestions
    ), status


@bp.route("/dependencies")
def dependencies():
    return _render()


@bp.route("/dependencies", methods=["POST"])
def add_dependency():
    form = DependencyForm()
    form.first.choices = form.second.choices = options(
        (d.id, d.name) for d in _active_departments()
    )
    if form.validate_on_submit():
        with attempt(form) as outcome:
            silos.declare_dependency(current_user, form.first.data, form.second.data)
        if outcome.ok:
            flash(_("The pair is declared dependent."), "success")
            return redirect(url_for("directory.dependencies"))
    return _render(form, 422)


def _pair_ids() -> tuple[int, int]:
    try:
        return int(request.form["first"]), int(request.form["second"])
    except (KeyError, ValueError):
        abort(400)


@bp.route("/dependencies/accept", methods=["POST"])
def accept_dependency():
    first, second = _pair_ids()
    with attempt() as outcome:
        silos.declare_dependency(current_user, first, second)
    if outcome.ok:
        flash(_("The suggested pair is declared dependent."), "success")
    return redirect(url_for("directory.dependencies"))


@bp.route("/dependencies/remove", methods=["POST"])
def remove_dependency():
    first, second = _pair_ids()
    with attempt() as outcome:
        silos.remove_dependency(current_user, first, second)
    if outcome.ok:
        flash(_("The pair is no longer declared dependent."), "success")
    return redirect(url_for("directory.dependencies"))
