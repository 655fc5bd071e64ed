"""The administrator's directory: departments, people, criteria and the company map."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import formats
from ..auth.routes import safe_next
from ..extensions import db
from ..formutil import options
from ..main.templating import NavLink
from ..models import STANDING_ORDER, CustomerCriterion, Department, Membership, User
from ..transaction import attempt
from . import map_view, silos
from . import operations as ops
from .forms import (
    AddDepartmentForm,
    AddPersonForm,
    CriterionForm,
    DepartmentForm,
    NewUserForm,
    PasswordResetForm,
    UserForm,
    role_choices,
)
from .queries import people_page

bp = Blueprint("directory", __name__, url_prefix="/directory")

USERS_PER_PAGE = 25
DEPARTMENT_MONTHS = 12  # the silo figures' months on a department's page


def nav() -> list[NavLink]:
    """The menu entry, for administrators only."""
    if not current_user.is_admin:
        return []
    return [NavLink(_("Directory"), url_for("directory.departments"))]


@bp.before_request
@login_required
def _require_admin():
    if not current_user.is_admin:
        abort(403)


def _status(form) -> int:
    return 422 if form.errors else 200


def _archived_flag() -> bool:
    return request.form.get("archived") == "1"


# ---------------------------------------------------------------- departments


@bp.route("/")
def index():
    return redirect(url_for("directory.departments"))


@bp.route("/departments")
def departments():
    rows = formats.collate(
        db.session.scalars(
            select(Department).options(
                selectinload(Department.memberships).selectinload(Membership.user)
            )
        ),
        key=lambda d: d.name,
    )
    return render_template(
        "directory/departments.html",
        active=[d for d in rows if not d.is_archived],
        archived=[d for d in rows if d.is_archived],
    )


@bp.route("/departments/new", methods=["GET", "POST"])
def new_department():
    form = DepartmentForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            department = ops.create_department(
                current_user, name=form.name.data, code=form.code.data
            )
        if outcome.ok:
            flash(_("The department %(name)s is created.", name=department.name), "success")
            return redirect(url_for("directory.department", department_id=department.id))
    return render_template("directory/department_form.html", form=form, department=None), _status(
        form
    )


def _get_department(department_id: int) -> Department:
    department = db.session.scalar(
        select(Department)
        .where(Department.id == department_id)
        .options(selectinload(Department.memberships).selectinload(Membership.user))
    )
    if department is None:
        abort(404)
    return department


def _render_department(department: Department, add_form: AddPersonForm | None = None, status=200):
    if add_form is None:
        add_form = AddPersonForm(formdata=None)
    inside = {m.user_id for m in department.memberships}
    candidates = formats.collate(
        db.session.scalars(select(User).where(User.archived_at.is_(None))), key=lambda u: u.name
    )
    add_form.user_id.choices = options(
        [(0, _("— choose —"))]
        + [(u.id, f"{u.name} ({u.email})") for u in candidates if u.id not in inside]
    )
    add_form.role.choices = role_choices()
    memberships = sorted(
        department.memberships,
        key=lambda m: (m.role.value != "head", formats.sort_key(m.user.name)),
    )
    return render_template(
        "directory/department.html",
        department=department,
        memberships=memberships,
        add_form=add_form,
        role_options=role_choices(),
        silo=silos.silo_state().of(department.id),
        silo_history=silos.department_history(department.id, DEPARTMENT_MONTHS),
    ), status


@bp.route("/departments/<int:department_id>")
def department(department_id: int):
    return _render_department(_get_department(department_id))


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
def edit_department(department_id: int):
    department = _get_department(department_id)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            ops.update_department(
                current_user, department, name=form.name.data, code=form.code.data
            )
        if outcome.ok:
            flash(_("The department is saved."), "success")
            return redirect(url_for("directory.department", department_id=department.id))
    return render_template(
        "directory/department_form.html", form=form, department=department
    ), _status(form)


@bp.route("/departments/<int:department_id>/archive", methods=["POST"])
def archive_department(department_id: int):
    department = _get_department(department_id)
    archived = _archived_flag()
    with attempt() as outcome:
        ops.set_department_archived(current_user, department, archived)
    if not outcome.ok:
        return redirect(url_for("directory.department", department_id=department.id))
    if archived:
        flash(
            _(
                "%(name)s is archived: no new charter with it; its charters stay readable.",
                name=department.name,
            ),
            "success",
        )
    else:
        flash(_("%(name)s is restored.", name=department.name), "success")
    return redirect(url_for("directory.department", department_id=department.id))


@bp.route("/departments/<int:department_id>/people", methods=["POST"])
def add_person(department_id: int):
    department = _get_department(department_id)
    form = AddPersonForm()
    form.role.choices = role_choices()
    # Choices are set in _render_department; accept any id here, the service checks it.
    form.user_id.choices = None
    form.user_id.validate_choice = False
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data) if form.user_id.data else None
        if user is None:
            form.user_id.errors = [_("Choose a person.")]
        else:
            with attempt(form) as outcome:
                ops.set_membership(current_user, user, department, form.role.data)
            if outcome.ok:
                flash(_("%(name)s is added.", name=user.name), "success")
                return redirect(url_for("directory.department", department_id=department.id))
    db.session.rollback()
    return _render_department(_get_department(department_id), form, 422)


def _membership_target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _back(default: str) -> str:
    """Return to the page the small form was on (the department's or the person's)."""
    return safe_next(request.form.get("next"), default)


@bp.route("/departments/<int:department_id>/people/<int:user_id>/role", methods=["POST"])
def change_role(department_id: int, user_id: int):
    department = _get_department(department_id)
    user = _membership_target(user_id)
    default = url_for("directory.department", department_id=department.id)
    if ops.find_membership(user, department) is None:
        abort(404)
    with attempt() as outcome:
        ops.set_membership(current_user, user, department, request.form.get("role"))
    if not outcome.ok:
        return redirect(_back(default))
    flash(_("The role of %(name)s is saved.", name=user.name), "success")
    return redirect(_back(default))


@bp.route("/departments/<int:department_id>/people/<int:user_id>/remove", methods=["POST"])
def remove_person(department_id: int, user_id: int):
    department = _get_department(department_id)
    user = _membership_target(user_id)
    default = url_for("directory.department", department_id=department.id)
    with attempt() as outcome:
        ops.remove_membership(current_user, user, department)
    if not outcome.ok:
        return redirect(_back(default))
    flash(_("%(name)s is no longer in %(dept)s.", name=user.name, dept=department.name), "success")
    return redirect(_back(default))


# ---------------------------------------------------------------- people


@bp.route("/users")
def users():
    q = (request.args.get("q") or "").strip()[:100]
    where = []
    if q:
        pattern = (
            "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where.append(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    page = people_page(where, request.args.get("page", 1, type=int), USERS_PER_PAGE)
    return render_template("directory/users.html", page=page, q=q)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    if request.method == "GET":
        form.locale.data = "fr"
    if form.validate_on_submit():
        with attempt(form) as outcome:
            user = ops.create_user(
                current_user,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                is_admin=form.is_admin.data,
                locale=form.locale.data,
            )
        if outcome.ok:
            flash(
                _("%(name)s is created. Now add them to their departments.", name=user.name),
                "success",
            )
            return redirect(url_for("directory.user", user_id=user.id))
    return render_template("directory/user_new.html", form=form), _status(form)


def _get_user(user_id: int) -> User:
    user = db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .options(selectinload(User.memberships).selectinload(Membership.department))
    )
    if user is None:
        abort(404)
    return user


def _render_user(user: User, form: UserForm, add_form: AddDepartmentForm | None = None, status=200):
    if add_form is None:
        add_form = AddDepartmentForm(formdata=None)
    inside = {m.department_id for m in user.memberships}
    departments = formats.collate(
        db.session.scalars(select(Department).where(Department.archived_at.is_(None))),
        key=lambda d: d.name,
    )
    add_form.department_id.choices = options(
        [(0, _("— choose —"))] + [(d.id, d.name) for d in departments if d.id not in inside]
    )
    add_form.role.choices = role_choices()
    return render_template(
        "directory/user.html",
        user=user,
        form=form,
        add_form=add_form,
        role_options=role_choices(),
        memberships=formats.collate(user.memberships, key=lambda m: m.department.name),
    ), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    user = _get_user(user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            ops.update_user(
                current_user,
                user,
                email=form.email.data,
                name=form.name.data,
                is_admin=form.is_admin.data,
                locale=form.locale.data,
                is_leadership=form.is_leadership.data,
            )
        if not outcome.ok:
            return _render_user(_get_user(user_id), form, status=outcome.status)
        flash(_("%(name)s is saved.", name=user.name), "success")
        return redirect(url_for("directory.user", user_id=user.id))
    return _render_user(user, form, status=_status(form))


@bp.route("/users/<int:user_id>/departments", methods=["POST"])
def add_department(user_id: int):
    user = _get_user(user_id)
    form = AddDepartmentForm()
    form.role.choices = role_choices()
    form.department_id.choices = None
    form.department_id.validate_choice = False
    if form.validate_on_submit():
        department = (
            db.session.get(Department, form.department_id.data) if form.department_id.data else None
        )
        if department is None:
            form.department_id.errors = [_("Choose a department.")]
        else:
            with attempt(form) as outcome:
                ops.set_membership(current_user, user, department, form.role.data)
            if outcome.ok:
                flash(
                    _("%(name)s is added to %(dept)s.", name=user.name, dept=department.name),
                    "success",
                )
                return redirect(url_for("directory.user", user_id=user.id))
    db.session.rollback()
    user = _get_user(user_id)
    return _render_user(user, UserForm(formdata=None, obj=user), form, 422)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    user = _get_user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            ops.set_password(current_user, user, form.password.data)
        if outcome.ok:
            flash(
                _("The password of %(name)s is changed; their sessions are ended.", name=user.name),
                "success",
            )
            return redirect(url_for("directory.user", user_id=user.id))
    return render_template("directory/password.html", form=form, user=user), _status(form)


@bp.route("/users/<int:user_id>/archive", methods=["POST"])
def archive_user(user_id: int):
    user = _get_user(user_id)
    archived = _archived_flag()
    with attempt() as outcome:
        ops.set_user_archived(current_user, user, archived)
    if not outcome.ok:
        return redirect(url_for("directory.user", user_id=user_id))
    if archived:
        flash(_("%(name)s is archived and can no longer sign in.", name=user.name), "success")
    else:
        flash(_("%(name)s is restored and can sign in again.", name=user.name), "success")
    return redirect(url_for("directory.user", user_id=user.id))


# ---------------------------------------------------------------- criteria


def _criterion_data(form: CriterionForm) -> dict:
    return {
        "name": form.name.data,
        "definition": form.definition.data,
        "unit": form.unit.data,
        "direction": form.direction.data,
        "target": form.target.data,
    }


@bp.route("/criteria")
def criteria():
    rows = formats.collate(db.session.scalars(select(CustomerCriterion)), key=lambda c: c.name)
    return render_template(
        "directory/criteria.html",
        active=[c for c in rows if not c.is_archived],
        archived=[c for c in rows if c.is_archived],
    )


@bp.route("/criteria/new", methods=["GET", "POST"])
def new_criterion():
    form = CriterionForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            criterion = ops.create_criterion(current_user, _criterion_data(form))
        if outcome.ok:
            flash(_("The criterion %(name)s is added.", name=criterion.name), "success")
            return redirect(url_for("directory.criteria"))
    return render_template("directory/criterion_form.html", form=form, criterion=None), _status(
        form
    )


def _get_criterion(criterion_id: int) -> CustomerCriterion:
    criterion = db.session.get(CustomerCriterion, criterion_id)
    if criterion is None:
        abort(404)
    return criterion


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
def edit_criterion(criterion_id: int):
    criterion = _get_criterion(criterion_id)
    form = CriterionForm(obj=criterion)
    if request.method == "GET":
        form.direction.data = criterion.direction.value
        form.target.data = formats.number(criterion.target, decimals=6)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            ops.update_criterion(current_user, criterion, _criterion_data(form))
        if outcome.ok:
            flash(_("The criterion is saved."), "success")
            return redirect(url_for("directory.criteria"))
    return render_template(
        "directory/criterion_form.html", form=form, criterion=criterion
    ), _status(form)


@bp.route("/criteria/<int:criterion_id>/archive", methods=["POST"])
def archive_criterion(criterion_id: int):
    criterion = _get_criterion(criterion_id)
    archived = _archived_flag()
    with attempt() as outcome:
        ops.set_criterion_archived(current_user, criterion, archived)
    if not outcome.ok:
        return redirect(url_for("directory.criteria"))
    if archived:
        flash(
            _(
                "%(name)s is archived: not offered for new charters; old ones still show it.",
                name=criterion.name,
            ),
            "success",
        )
    else:
        flash(_("%(name)s is restored.", name=criterion.name), "success")
    return redirect(url_for("directory.criteria"))


# ---------------------------------------------------------------- the company map


@bp.route("/map")
def company_map():
    company = map_view.company_map()
    silo = silos.silo_map(company)
    focus = request.args.get("department", type=int)
    if focus is not None and focus not in {d.id for d in company.departments}:
        abort(404)
    large = not map_view.shows_matrix(company, current_app.config["MAP_MATRIX_MAX"])
    return render_template(
        "directory/map.html",
        company=company,
        statuses=list(STANDING_ORDER),
        silo=silo,
        pair_states=silos.PAIR_STATES,
        large=large,
        rows=map_view.department_rows(company, silo) if large and focus is None else None,
        focus=next((d for d in company.departments if d.id == focus), None),
        focused=map_view.pairs_of(company, focus) if focus is not None else None,
        silo_pairs=map_view.silo_pairs(company, silo),
    )
