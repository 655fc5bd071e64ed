"""Review pages: schedule the meeting, the live meeting page, action items, admin settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import formats, labels
from ..directory.queries import heads_of
from ..errors import ConflictError, ValidationError
from ..extensions import db
from ..formutil import options
from ..labels import role_label
from ..main.security import pdf_response
from ..main.templating import NavLink, add_nav
from ..main.waiting import WaitKind, waiting_for_current_user
from ..models import (
    ActionItem,
    ActionStatus,
    AssessmentCause,
    AssessmentResult,
    Charter,
    Review,
    ReviewAttendee,
    ReviewDecision,
)
from ..models.measured import charter_measure
from ..permissions import can_edit, get_charter
from ..readings.operations import period_under_review
from ..timeutil import utcnow
from ..transaction import atomic, attempt
from . import access, attribution, scheduling
from . import meeting_page as page
from . import operations as ops
from .chart import criterion_reading_points, history_chart
from .forms import ReminderSettingsForm, ScheduleForm
from .meeting import save_meeting
from .meeting_input import MeetingConflict, MeetingInvalid, MeetingSave
from .readings_chart import commitment_readings_chart

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


@bp.before_request
@login_required
def _require_login():
    pass


@bp.record_once
def _setup(state) -> None:
    add_nav(state.app, _nav)

    @state.app.context_processor
    def _labels():
        return {
            "review_status_label": labels.review_status_label,
            "result_label": labels.result_label,
            "cause_label": labels.cause_label,
            "decision_label": labels.decision_label,
            "action_status_label": labels.action_status_label,
            "action_owner_label": labels.owner_label,
            "review_history_chart": history_chart,
            "commitment_readings_chart": commitment_readings_chart,
            "review_for_charter": _charter_section,
            "misses_by_cause": attribution.misses_by_cause,
            "share_met_help": formats.share_met_help,
        }


def _nav() -> list[NavLink]:
    due = waiting_for_current_user().count(WaitKind.ACTION)
    links = [NavLink(str(_l("Actions")), url_for("reviews.actions"), due)]
    if current_user.is_admin:
        links.append(NavLink(str(_l("Reminders")), url_for("reviews.admin_reminders")))
    return links


def _charter_section(charter: Charter) -> dict:
    """What the charter page shows about reviews (used by reviews/_charter_section.html)."""
    upcoming, history = access.reviews_of(charter)
    return {
        "upcoming": upcoming,
        "history": history,
        "criterion_readings": criterion_reading_points(charter, history),
        "can_edit": can_edit(current_user, charter),
    }


def _load_review(review_id: int, *, write: bool = False) -> Review:
    review = access.get_review(current_user, review_id, write=write)
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
            selectinload(Review.actions).selectinload(ActionItem.owner),
            selectinload(Review.carried_actions).selectinload(ActionItem.owner_department),
            selectinload(Review.carried_actions).selectinload(ActionItem.owner),
            selectinload(Review.carried_actions).selectinload(ActionItem.review),
            selectinload(Review.attendees).selectinload(ReviewAttendee.user),
        )
    ).one()


# ---------------------------------------------------------------- planning and scheduling


@bp.route("/charter/<int:charter_id>/plan", methods=["POST"])
def plan(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    with atomic():
        review = ops.plan_review(charter, utcnow())
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
        for m in sorted(user.memberships, key=lambda m: m.department_id != charter.sides[0].id)
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
    people = scheduling.eligible_attendees(review.charter)
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
        with attempt(form) as outcome:
            scheduling.schedule_meeting(
                current_user,
                review,
                start=_to_utc(form),
                duration_minutes=form.duration_minutes.data,
                location=form.location.data or "",
                video_link=form.video_link.data or "",
                attendee_ids=form.attendee_ids.data or [],
            )
        if outcome.ok:
            flash(_("The meeting is scheduled and the invitations are on their way."), "success")
            return redirect(url_for("charters.show", charter_id=review.charter_id))
        status = outcome.status
    elif request.method == "POST":
        status = 422
    return render_template("reviews/schedule.html", review=review, form=form), status


@bp.route("/<int:review_id>/cancel", methods=["POST"])
def cancel(review_id: int):
    review = _load_review(review_id, write=True)
    with atomic():
        scheduling.cancel_meeting(current_user, review)
    flash(_("The meeting is cancelled; the attendees are told."), "success")
    return redirect(url_for("charters.show", charter_id=review.charter_id))


# ---------------------------------------------------------------- the meeting page


def _render_meeting(
    review: Review,
    values: dict,
    new_keys: list[str],
    status: int = 200,
    *,
    errors: dict[str, str] | None = None,
    snapshot: str | None = None,
    conflicts: dict[str, str] | None = None,
    saved_by: str | None = None,
):
    editable = review.is_open and can_edit(current_user, review.charter)
    if snapshot is None:
        snapshot = page.snapshot(review, page.recorded_inputs(review))
    choices = page.owner_choices(review) if editable else []
    return (
        render_template(
            "reviews/meeting.html",
            review=review,
            charter=review.charter,
            v=values,
            errors=errors or {},
            new_keys=new_keys,
            editable=editable,
            results=list(AssessmentResult),
            causes=list(AssessmentCause),
            prerequisite_options=attribution.prerequisite_options(review),
            # The prerequisites' own latest readings, shown beside the pick.
            measures=charter_measure(review.charter_id).measures if editable else {},
            commitment_titles={c.id: c.title for c in review.charter.commitments},
            action_statuses=list(ActionStatus),
            owner_choices=choices,
            owner_values={f"{d.id}-{u.id}" for d, people in choices for u in people},
            decisions=list(ReviewDecision),
            snapshot=snapshot,
            conflicts=conflicts or {},
            saved_by=saved_by,
            period=period_under_review(review),
        ),
        status,
    )


@bp.route("/<int:review_id>", methods=["GET", "POST"])
def meeting(review_id: int):
    review = _load_review(review_id)
    if request.method == "GET":
        return _render_meeting(review, page.recorded_inputs(review), page.BLANK_ROWS)
    access.require_editor(current_user, review)
    submitted = request.form.to_dict()
    seen_inputs = page.read_snapshot(review, submitted.get("snapshot", ""))
    if seen_inputs is not None:
        # "Keep theirs" on a conflict: the field counts as left as shown (what they saved).
        for name in request.form.getlist("keep_theirs"):
            if name in seen_inputs:
                submitted[name] = seen_inputs[name]
    sent, action_keys = page.from_inputs(review, submitted)
    seen = page.from_inputs(review, seen_inputs)[0] if seen_inputs is not None else None
    new_keys = page.new_action_keys(submitted) or page.BLANK_ROWS
    intent = submitted.get("intent", "save")
    try:
        lock_version = int(submitted.get("lock_version", ""))
    except ValueError:
        lock_version = None
    save = MeetingSave(lock_version=lock_version, sent=sent, seen=seen, close=intent == "close")
    with attempt(leave=(ValidationError, ConflictError)) as outcome:
        save_meeting(current_user, review, save)
    if outcome.ok:
        if intent == "close":
            flash(_("The review is closed. The minutes are sent to the attendees."), "success")
            _warn_misses_without_cause(review)
        else:
            flash(_("Saved. You can finish the review later."), "success")
        return redirect(url_for("reviews.meeting", review_id=review.id))
    error = outcome.error
    review = _load_review(review_id)
    if isinstance(error, MeetingConflict):
        # Their entries stay in the fields, what the other person saved is shown beside the
        # fields both changed, the rest shows what is saved now; nothing is lost either way.
        flash(error.message, "error")
        values = {**page.recorded_inputs(review), **page.to_inputs(error.merged, action_keys)}
        values["lock_version"] = str(review.lock_version)
        conflicts = {
            page.input_name(path, action_keys): page.shown(review, path, saved)
            for path, saved in error.conflicts.items()
        }
        return _render_meeting(
            review, values, new_keys, 409, conflicts=conflicts, saved_by=error.saved_by
        )
    if isinstance(error, ValidationError):
        if isinstance(error, MeetingInvalid):
            errors = {page.input_name(p, action_keys): m for p, m in error.issues.items()}
        else:
            errors = {error.field or "form": error.message}
        flash(error.message, "error")
        return _render_meeting(
            review, submitted, new_keys, 422, errors=errors, snapshot=submitted.get("snapshot")
        )
    if isinstance(error, ConflictError):
        flash(error.message, "error")  # a save at the very same moment, without row locks
    return _render_meeting(review, page.recorded_inputs(review), new_keys, outcome.status)


def _warn_misses_without_cause(review: Review) -> None:
    """Closing does not wait for every cause, but says how many misses the minutes leave open."""
    count = attribution.misses_without_cause(review)
    if count:
        flash(
            ngettext(
                "One missed or partly met commitment has no cause: the minutes say “cause not "
                "given” for it.",
                "%(num)d missed or partly met commitments have no cause: the minutes say “cause "
                "not given” for them.",
                count,
            ),
            "warning",
        )


@bp.route("/<int:review_id>/start", methods=["POST"])
def start(review_id: int):
    review = _load_review(review_id, write=True)
    with atomic():
        ops.start_review(current_user, review)
    return redirect(url_for("reviews.meeting", review_id=review.id))


@bp.route("/<int:review_id>/minutes.pdf")
def minutes_pdf(review_id: int):
    review = _load_review(review_id)
    if not review.is_closed:
        abort(404)
    name = ops.minutes_file_name(review)
    return pdf_response(ops.minutes_pdf(review, str(get_locale() or "fr")), name)


# ---------------------------------------------------------------- action items


@bp.route("/actions")
def actions():
    today = utcnow().date()
    page = access.actions_for(current_user, today, request.args.get("page", 1, type=int))
    mine = set(current_user.member_of())
    return render_template(
        "reviews/actions.html",
        page=page,
        items=page.items,
        today=today,
        my_departments=mine,
        can_mark_done=lambda a: access.can_mark_done(current_user, a),
    )


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
def action_done(action_id: int):
    action = access.get_action(current_user, action_id)
    with atomic():
        ops.mark_action_done(current_user, action)
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
        with attempt(form) as outcome:
            ops.update_reminder_settings(
                current_user, form.review_offsets.data, form.action_due_soon_days.data
            )
        if outcome.ok:
            flash(_("Reminder settings saved."), "success")
            return redirect(url_for("reviews.admin_reminders"))
        status = outcome.status
    elif request.method == "POST":
        status = 422
    return render_template("reviews/admin_reminders.html", form=form), status
