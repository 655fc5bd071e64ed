"""Review pages: schedule the meeting, the live meeting page, action items, admin settings."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..directory.queries import heads_of
from ..errors import ConflictError, DomainError, Forbidden, ValidationError
from ..extensions import db
from ..formutil import options
from ..labels import role_label
from ..main.templating import NavLink, add_nav
from ..models import (
    ActionItem,
    AssessmentResult,
    Charter,
    OutboxEmail,
    Review,
    ReviewAttendee,
    ReviewDecision,
)
from ..permissions import can_edit, get_charter
from ..timeutil import utcnow
from . import formats, labels
from . import operations as ops
from .chart import history_chart
from .forms import ReminderSettingsForm, ScheduleForm

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


@bp.before_request
@login_required
def _require_login():
    pass


@bp.record_once
def _setup(state) -> None:
    add_nav(state.app, _nav)
    state.app.add_template_filter(formats.when, "review_when")
    state.app.add_template_filter(formats.percent, "percent")

    @state.app.context_processor
    def _labels():
        return {
            "review_status_label": labels.review_status_label,
            "outbox_status_label": labels.outbox_status_label,
            "outbox_error_label": labels.outbox_error_label,
            "result_label": labels.result_label,
            "decision_label": labels.decision_label,
            "action_status_label": labels.action_status_label,
            "review_history_chart": history_chart,
            "review_for_charter": _charter_section,
            "share_met_help": formats.share_met_help,
        }


def _nav() -> list[NavLink]:
    links = [NavLink(str(_l("Actions")), url_for("reviews.actions"))]
    if current_user.is_admin:
        links.append(NavLink(str(_l("Reminders")), url_for("reviews.admin_reminders")))
    return links


def _charter_section(charter: Charter) -> dict:
    """What the charter page shows about reviews (used by charters/_sections_extra.html)."""
    upcoming, history = ops.reviews_of(charter)
    return {
        "upcoming": upcoming,
        "history": history,
        "can_edit": can_edit(current_user, charter),
    }


def _load_review(review_id: int, *, write: bool = False) -> Review:
    review = ops.get_review(current_user, review_id, write=write)
    return db.session.scalars(
        select(Review)
        .where(Review.id == review.id)
        .options(
            selectinload(Review.charter).selectinload(Charter.department_a),
            selectinload(Review.charter).selectinload(Charter.department_b),
            selectinload(Review.charter).selectinload(Charter.criterion),
            selectinload(Review.charter).selectinload(Charter.commitments),
            selectinload(Review.assessments),
            selectinload(Review.actions).selectinload(ActionItem.owner_department),
            selectinload(Review.attendees).selectinload(ReviewAttendee.user),
        )
    ).one()


# ---------------------------------------------------------------- planning and scheduling


@bp.route("/charter/<int:charter_id>/plan", methods=["POST"])
def plan(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    review = ops.plan_review(charter, utcnow())
    db.session.commit()
    return redirect(url_for("reviews.schedule", review_id=review.id))


def _attendee_label(user, review: Review) -> str:
    """ "Name — Logistique (Head)": who the person is in the charter's departments."""
    charter = review.charter
    names = charter.department_names
    roles = [
        _(
            "%(department)s (%(role)s)",
            department=names[m.department_id],
            role=role_label(m.role),
        )
        for m in sorted(user.memberships, key=lambda m: m.department_id != charter.department_a_id)
        if m.department_id in names
    ]
    return f"{user.name} — {'; '.join(roles)}" if roles else user.name


def _to_utc(form: ScheduleForm) -> datetime | None:
    if not form.date.data or not form.time.data:
        return None
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return datetime.combine(form.date.data, form.time.data, tzinfo=zone)


@bp.route("/<int:review_id>/schedule", methods=["GET", "POST"])
def schedule(review_id: int):
    review = _load_review(review_id, write=True)
    form = ScheduleForm()
    people = ops.eligible_attendees(review.charter)
    form.attendee_ids.choices = options((u.id, _attendee_label(u, review)) for u in people)
    if request.method == "GET":
        if review.scheduled_at:
            local = review.scheduled_at.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))
            form.date.data, form.time.data = local.date(), local.time()
            form.duration_minutes.data = review.duration_minutes
            form.location.data = review.location
            form.video_link.data = review.video_link
            form.attendee_ids.data = [a.user_id for a in review.attendees]
        else:
            form.date.data = review.due_on
            heads = {u.id for u in heads_of(review.charter.department_ids)}
            form.attendee_ids.data = [u.id for u in people if u.id in heads]
    status = 200
    if form.validate_on_submit():
        try:
            ops.schedule_meeting(
                current_user,
                review,
                start=_to_utc(form),
                duration_minutes=form.duration_minutes.data,
                location=form.location.data or "",
                video_link=form.video_link.data or "",
                attendee_ids=form.attendee_ids.data or [],
            )
        except DomainError as error:
            db.session.rollback()
            target = getattr(form, error.field or "", None)
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("The meeting is scheduled and the invitations are on their way."), "success")
            return redirect(url_for("charters.show", charter_id=review.charter_id))
    elif request.method == "POST":
        status = 422
    return render_template("reviews/schedule.html", review=review, form=form), status


@bp.route("/<int:review_id>/cancel", methods=["POST"])
def cancel(review_id: int):
    review = _load_review(review_id, write=True)
    ops.cancel_meeting(current_user, review)
    db.session.commit()
    flash(_("The meeting is cancelled; the attendees are told."), "success")
    return redirect(url_for("charters.show", charter_id=review.charter_id))


# ---------------------------------------------------------------- the meeting page

ACTION_NEW_RE = re.compile(r"^action-(new\d{1,2})-title$")


def _values_from(review: Review) -> dict[str, str]:
    """The meeting form's inputs, as strings, from what is recorded."""
    values: dict[str, str] = {
        "lock_version": str(review.lock_version),
        "criterion_value": ""
        if review.criterion_value is None
        else format_decimal(review.criterion_value, format="0.###"),
        "satisfaction_a_of_b": str(review.satisfaction_a_of_b or ""),
        "satisfaction_b_of_a": str(review.satisfaction_b_of_a or ""),
        "irritants": review.irritants or "",
        "minutes": review.minutes or "",
        "decision": review.decision.value if review.decision else "",
    }
    for a in review.assessments:
        values[f"assessment-{a.id}-result"] = a.result.value if a.result else ""
        values[f"assessment-{a.id}-measured"] = a.measured_value or ""
        values[f"assessment-{a.id}-comment"] = a.comment or ""
    for action in review.actions:
        values[f"action-{action.id}-title"] = action.title
        values[f"action-{action.id}-owner"] = str(action.owner_department_id)
        values[f"action-{action.id}-due"] = action.due_on.isoformat()
        values[f"action-{action.id}-status"] = action.status.value
    return values


def _meeting_data(form, review: Review) -> dict:
    data: dict = {
        key: form.get(key, "")
        for key in (
            "criterion_value",
            "satisfaction_a_of_b",
            "satisfaction_b_of_a",
            "irritants",
            "minutes",
            "decision",
        )
    }
    data["assessments"] = {
        a.id: {
            "result": form.get(f"assessment-{a.id}-result", ""),
            "measured_value": form.get(f"assessment-{a.id}-measured", ""),
            "comment": form.get(f"assessment-{a.id}-comment", ""),
        }
        for a in review.assessments
    }
    keys: list[tuple[str, int | None]] = [(str(a.id), a.id) for a in review.actions]
    keys += [(m.group(1), None) for k in form if (m := ACTION_NEW_RE.match(k))]
    data["actions"] = [
        {
            "key": key,
            "id": action_id,
            "title": form.get(f"action-{key}-title", ""),
            "owner_department_id": form.get(f"action-{key}-owner", ""),
            "due_on": form.get(f"action-{key}-due", ""),
            "status": form.get(f"action-{key}-status", "open"),
        }
        for key, action_id in keys
    ]
    return data


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="review-meeting-snapshot")


def _snapshot(review: Review, values: dict[str, str]) -> str:
    """A signed copy of the recorded values the page shows, posted back with the form."""
    return _serializer().dumps(
        {"review": review.id, "values": {k: v for k, v in values.items() if k != "lock_version"}}
    )


def _read_snapshot(review: Review, token: str) -> dict[str, str] | None:
    """The values the person's page was opened with (None if absent or tampered with)."""
    if not token:
        return None
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("review") != review.id:
        return None
    values = data.get("values")
    return values if isinstance(values, dict) else None


def _same(a: object, b: object) -> bool:
    """Equal once browsers' line endings and outer spaces are set aside."""

    def norm(value: object) -> str:
        return ("" if value is None else str(value)).replace("\r\n", "\n").strip()

    return norm(a) == norm(b)


def _merge(submitted: dict[str, str], seen: dict[str, str] | None, current: dict[str, str]):
    """What to write: the person's value only where they changed what their page showed.

    A field they left as it was (or that their page did not have, such as an action added by
    someone else) keeps the value saved now, so a stale page never blanks someone else's notes.
    """
    merged = dict(submitted)
    for key, now_value in current.items():
        if key == "lock_version":
            continue
        if key not in submitted:
            merged[key] = now_value
        elif seen is not None and key in seen and _same(submitted[key], seen[key]):
            merged[key] = now_value
    return merged


def _shown(review: Review, key: str, value: str) -> str:
    """A recorded value as a person reads it (for "currently saved: …")."""
    if not value:
        return "—"
    if key.endswith("-result"):
        return labels.result_label(value)
    if key == "decision":
        return labels.decision_label(value)
    if key.endswith("-status"):
        return labels.action_status_label(value)
    if key.endswith("-owner"):
        charter = review.charter
        names = {
            str(charter.department_a_id): charter.department_a.name,
            str(charter.department_b_id): charter.department_b.name,
        }
        return names.get(value, value)
    if key.endswith("-due"):
        try:
            return format_date(datetime.fromisoformat(value).date())
        except ValueError:
            return value
    return value


def _render_meeting(
    review: Review,
    values: dict,
    errors: dict,
    new_keys: list[str],
    status=200,
    *,
    snapshot: str | None = None,
    conflicts: dict[str, str] | None = None,
):
    editable = review.is_open and can_edit(current_user, review.charter)
    if snapshot is None:
        snapshot = _snapshot(review, _values_from(review))
    return (
        render_template(
            "reviews/meeting.html",
            review=review,
            charter=review.charter,
            v=values,
            errors=errors,
            new_keys=new_keys,
            editable=editable,
            results=list(AssessmentResult),
            decisions=list(ReviewDecision),
            has_pdf=_has_renderer(),
            snapshot=snapshot,
            conflicts=conflicts or {},
        ),
        status,
    )


def _has_renderer() -> bool:
    try:
        from . import minutes  # noqa: F401
    except ImportError:
        return False
    return True


@bp.route("/<int:review_id>", methods=["GET", "POST"])
def meeting(review_id: int):
    review = _load_review(review_id)
    if request.method == "GET":
        return _render_meeting(review, _values_from(review), {}, ["new0", "new1"])
    if not can_edit(current_user, review.charter):
        raise Forbidden(_("Only the heads of the two departments can change this review."))
    form = request.form
    submitted = form.to_dict()
    seen_values = _read_snapshot(review, form.get("snapshot", ""))
    data = _meeting_data(_merge(submitted, seen_values, _values_from(review)), review)
    new_keys = [m.group(1) for k in form if (m := ACTION_NEW_RE.match(k))] or ["new0", "new1"]
    intent = form.get("intent", "save")
    try:
        seen = int(form.get("lock_version", ""))
    except ValueError:
        seen = None
    try:
        ops.save_meeting(current_user, review, seen, data, close=intent == "close")
    except ValidationError as error:
        db.session.rollback()
        review = _load_review(review_id)
        errors = error.details.get("errors") or {error.field or "form": error.message}
        flash(error.message, "error")
        return _render_meeting(
            review, submitted, errors, new_keys, 422, snapshot=form.get("snapshot") or None
        )
    except ConflictError as error:
        db.session.rollback()
        review = _load_review(review_id)
        current = _values_from(review)
        # What they changed stays on screen, beside what is saved now; what they did not
        # touch shows the saved value. Saving again is then an informed choice.
        values = _merge(submitted, seen_values, current)
        values["lock_version"] = current["lock_version"]
        conflicts = {
            key: _shown(review, key, saved)
            for key, saved in current.items()
            if key != "lock_version" and not _same(values.get(key, ""), saved)
        }
        flash(error.message, "error")
        return _render_meeting(review, values, {}, new_keys, 409, conflicts=conflicts)
    db.session.commit()
    if intent == "close":
        flash(_("The review is closed. The minutes are sent to the attendees."), "success")
    else:
        flash(_("Saved. You can finish the review later."), "success")
    return redirect(url_for("reviews.meeting", review_id=review.id))


@bp.route("/<int:review_id>/start", methods=["POST"])
def start(review_id: int):
    review = _load_review(review_id, write=True)
    ops.start_review(current_user, review)
    db.session.commit()
    return redirect(url_for("reviews.meeting", review_id=review.id))


@bp.route("/<int:review_id>/minutes.pdf")
def minutes_pdf(review_id: int):
    review = _load_review(review_id)
    if not review.is_closed:
        abort(404)
    pdf = ops.minutes_pdf(review, str(get_locale() or "fr"))
    if pdf is None:
        abort(404)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="review-{review.id}-minutes.pdf"'},
    )


# ---------------------------------------------------------------- action items


@bp.route("/actions")
def actions():
    today = utcnow().date()
    items = ops.actions_for(current_user, today)
    mine = set(current_user.member_of())
    return render_template(
        "reviews/actions.html",
        items=items,
        today=today,
        my_departments=mine,
        can_mark_done=lambda a: ops.can_mark_done(current_user, a),
    )


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
def action_done(action_id: int):
    action = ops.get_action(current_user, action_id)
    ops.mark_action_done(current_user, action)
    db.session.commit()
    flash(_("Action marked done."), "success")
    return redirect(url_for("reviews.actions"))


# ---------------------------------------------------------------- administration


def _admin_only() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.route("/admin/reminders", methods=["GET", "POST"])
def admin_reminders():
    _admin_only()
    settings = ops.reminder_settings()
    form = ReminderSettingsForm()
    if request.method == "GET":
        form.review_offsets.data = settings.review_offsets
        form.action_due_soon_days.data = settings.action_due_soon_days
    status = 200
    if form.validate_on_submit():
        try:
            ops.update_reminder_settings(
                current_user, form.review_offsets.data, form.action_due_soon_days.data
            )
        except DomainError as error:
            db.session.rollback()
            target = getattr(form, error.field or "", None)
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Reminder settings saved."), "success")
            return redirect(url_for("reviews.admin_reminders"))
    elif request.method == "POST":
        status = 422
    return render_template("reviews/admin_reminders.html", form=form), status


@bp.route("/admin/outbox")
def admin_outbox():
    _admin_only()
    emails = db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.status != "sent")
        .order_by(OutboxEmail.created_at.desc())
        .limit(200)
    ).all()
    counts = dict(
        db.session.execute(
            select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
        ).all()
    )
    return render_template(
        "reviews/admin_outbox.html",
        emails=emails,
        counts=counts,
        configured=bool(current_app.config.get("MAIL_SERVER")),
    )


@bp.route("/admin/outbox/<int:email_id>")
def admin_outbox_message(email_id: int):
    _admin_only()
    email = db.get_or_404(OutboxEmail, email_id)
    return render_template("reviews/admin_outbox_message.html", email=email)


@bp.route("/admin/outbox/<int:email_id>/retry", methods=["POST"])
def admin_outbox_retry(email_id: int):
    _admin_only()
    from ..mail import retry_now

    email = db.get_or_404(OutboxEmail, email_id)
    retry_now(email, utcnow())
    db.session.commit()
    flash(_("The e-mail will be sent at the next delivery."), "success")
    return redirect(url_for("reviews.admin_outbox"))
