"""The review meeting as a domain service: the three-way merge of a save, its checks, the save.

Two people may fill the same review at once. A save carries what the person sent and what
their page showed (see :mod:`.meeting_input`). Against what is saved now:

- a field they did not change keeps what is saved now (a stale page never blanks it);
- a field only they changed takes their value, whoever saved in between;
- a field both they and someone else changed, to different values, is a conflict: nothing is
  saved and :class:`MeetingConflict` names only those fields.

Without what the page showed (the API), only the fields sent change, and a stale lock
version is a conflict. Functions here flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from .. import merging
from ..audit.operations import record_event
from ..directory.queries import members_by_department
from ..errors import ConflictError, ValidationError
from ..extensions import db
from ..formats import parse_number
from ..models import (
    ActionItem,
    ActionStatus,
    AssessmentResult,
    AuditEvent,
    Review,
    ReviewDecision,
    ReviewStatus,
    User,
)
from ..timeutil import utcnow
from . import attribution
from .access import require_editor
from .meeting_input import (
    ACTION_FIELDS,
    ASSESSMENT_FIELDS,
    SCALAR_FIELDS,
    ActionValues,
    AssessmentValues,
    FieldPath,
    MeetingConflict,
    MeetingInvalid,
    MeetingSave,
    MeetingValues,
)
from .operations import close_review, start_review

TEXT_MAX = 4000
ACTION_TITLE_MAX = 300
MEASURED_MAX = 64
# Numbers the meeting page shows in its inputs in the reader's spelling, with these decimals:
# "91.605" saved and "91,605" shown are the same value, not a change.
NUMBER_INPUT_DECIMALS = {"criterion_value": 3, "measured_value": 6}


# ---------------------------------------------------------------- the three-way merge


def _same(path: FieldPath, a: str | None, b: str | None) -> bool:
    """Equal as texts (``merging.same_text``) or, for a number field, as the page shows it."""
    if path.field in NUMBER_INPUT_DECIMALS:
        x, y = parse_number((a or "").strip()), parse_number((b or "").strip())
        if x is not None and y is not None:
            places = NUMBER_INPUT_DECIMALS[path.field]  # as many as the page's input shows
            return round(x, places) == round(y, places)
    return merging.same_text(a, b)


class _Merge:
    """Merge one save's values into what is saved now, field by field, noting conflicts."""

    def __init__(self, save: MeetingSave, current: MeetingValues, *, stale: bool):
        self.save, self.current, self.stale = save, current, stale
        self.conflicts: dict[FieldPath, str] = {}

    def pick(self, path: FieldPath, sent: str | None, seen: str | None, now: str) -> str:
        value, clash = merging.pick(sent, seen, now, same=lambda a, b: _same(path, a, b))
        if self.stale and clash:
            self.conflicts[path] = now
        return value

    def values(self) -> MeetingValues:
        sent, seen, now = self.save.sent, self.save.seen, self.current
        scalars = {
            name: self.pick(
                FieldPath(name),
                getattr(sent, name),
                getattr(seen, name) if seen else None,
                getattr(now, name),
            )
            for name in SCALAR_FIELDS
        }
        assessments = {}
        for assessment_id, recorded in now.assessments.items():
            mine = sent.assessments.get(assessment_id, AssessmentValues())
            shown = seen.assessments.get(assessment_id) if seen else None
            assessments[assessment_id] = AssessmentValues(
                **{
                    name: self.pick(
                        FieldPath(name, assessment_id=assessment_id),
                        getattr(mine, name),
                        getattr(shown, name) if shown else None,
                        getattr(recorded, name),
                    )
                    for name in ASSESSMENT_FIELDS
                }
            )
        for assessment_id, mine in sent.assessments.items():
            assessments.setdefault(assessment_id, mine)  # unknown: refused by the checks
        actions = []
        for index, mine in enumerate(sent.actions):
            recorded = now.action(mine.id)
            if recorded is None:
                actions.append(mine)  # a new action (or an unknown id, refused by the checks)
                continue
            shown = seen.action(mine.id) if seen else None
            actions.append(
                replace(
                    mine,
                    **{
                        name: self.pick(
                            FieldPath(name, action_index=index),
                            getattr(mine, name),
                            getattr(shown, name) if shown else None,
                            getattr(recorded, name),
                        )
                        for name in ACTION_FIELDS
                    },
                )
            )
        return MeetingValues(**scalars, assessments=assessments, actions=tuple(actions))


def merge(
    save: MeetingSave, current: MeetingValues, *, stale: bool
) -> tuple[MeetingValues, dict[FieldPath, str]]:
    """Return what to write and the conflicts (field → value saved now), per the module rules."""
    merging = _Merge(save, current, stale=stale)
    return merging.values(), merging.conflicts


# ---------------------------------------------------------------- checks


@dataclass
class _Clean:
    assessments: dict[int, dict[str, Any]]
    scalars: dict[str, Any]
    actions: list[dict[str, Any]]


def _text(value: str | None, path: FieldPath, max_length: int, issues: dict) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        issues[path] = _("At most %(max)d characters.", max=max_length)
        return text[:max_length]
    return text


def check(review: Review, values: MeetingValues, *, closing: bool) -> tuple[_Clean, dict]:
    """Check merged values; return them typed, and the issues by domain path."""
    issues: dict[FieldPath, str] = {}
    clean = _Clean(assessments={}, scalars={}, actions=[])
    results = {r.value for r in AssessmentResult}
    options = attribution.prerequisite_options(review) if review.assessments else {}
    for assessment in review.assessments:
        raw = values.assessments.get(assessment.id, AssessmentValues())
        at = {name: FieldPath(name, assessment_id=assessment.id) for name in ASSESSMENT_FIELDS}
        result = (raw.result or "").strip()
        if result and result not in results:
            issues[at["result"]] = _("Choose a result.")
        elif closing and not result:
            issues[at["result"]] = _("Give a result for each commitment before closing.")
        measured = _text(raw.measured_value, at["measured_value"], MEASURED_MAX, issues)
        if measured and parse_number(assessment.target) is not None:
            if parse_number(measured) is None:
                issues[at["measured_value"]] = _(
                    "The target is a number: give the measured value as a number."
                )
        clean.assessments[assessment.id] = {
            "result": AssessmentResult(result) if result in results else None,
            "measured_value": measured,
            "comment": _text(raw.comment, at["comment"], TEXT_MAX, issues),
            **attribution.check_cause(assessment, result, raw, options.get(assessment.id), issues),
        }
    unknown = set(values.assessments) - set(clean.assessments)
    for assessment_id in sorted(unknown):
        issues[FieldPath("id", assessment_id=assessment_id)] = _("No such assessment.")

    scalars = clean.scalars
    criterion_text = (values.criterion_value or "").strip()
    scalars["criterion_value"] = None
    if criterion_text:
        scalars["criterion_value"] = parse_number(criterion_text)
        if scalars["criterion_value"] is None:
            issues[FieldPath("criterion_value")] = _("Give the criterion's value as a number.")
    elif closing:
        issues[FieldPath("criterion_value")] = _("Give the criterion's value before closing.")

    for name in ("satisfaction_a_of_b", "satisfaction_b_of_a"):
        text = (getattr(values, name) or "").strip()
        scalars[name] = None
        if text:
            if not text.isdigit() or not 1 <= int(text) <= 5:
                issues[FieldPath(name)] = _("Satisfaction is a score from 1 to 5.")
            else:
                scalars[name] = int(text)
        elif closing:
            issues[FieldPath(name)] = _("Both sides give their satisfaction before closing.")

    scalars["irritants"] = _text(values.irritants, FieldPath("irritants"), TEXT_MAX, issues)
    scalars["minutes"] = _text(values.minutes, FieldPath("minutes"), TEXT_MAX * 4, issues)
    decision = (values.decision or "").strip()
    scalars["decision"] = None
    if decision:
        if decision not in {d.value for d in ReviewDecision}:
            issues[FieldPath("decision")] = _("Choose continue, amend or end.")
        else:
            scalars["decision"] = ReviewDecision(decision)
    elif closing:
        issues[FieldPath("decision")] = _("Record the decision before closing.")

    sides = _owner_sides(review) if values.actions else {}
    for index, row in enumerate(values.actions):
        action = _check_action(review, index, row, issues, sides)
        if action is not None:
            clean.actions.append(action)
    return clean, issues


def _owner_sides(review: Review) -> dict[int, list[int]]:
    """Person id → the charter's departments they belong to, in the charter's order."""
    sides: dict[int, list[int]] = {}
    people = members_by_department(review.charter.department_ids)
    for department in review.charter.sides:
        for user in people.get(department.id, []):
            sides.setdefault(user.id, []).append(department.id)
    return sides


def _check_action(
    review: Review, index: int, row: ActionValues, issues: dict, sides: dict[int, list[int]]
) -> dict | None:
    at = {name: FieldPath(name, action_index=index) for name in (*ACTION_FIELDS, "id")}
    title = _text(row.title, at["title"], ACTION_TITLE_MAX, issues)
    owner_text = (row.owner_department_id or "").strip()
    person_text = (row.owner_user_id or "").strip()
    due_text = (row.due_on or "").strip()
    status_text = (row.status or "open").strip()
    if row.id is None and not (title or due_text or owner_text or person_text):
        return None  # an empty new row
    existing = None
    if row.id is not None:
        existing = next((a for a in review.meeting_actions if a.id == row.id), None)
        if existing is None:
            issues[at["id"]] = _("No such action.")
            return None
    if not title:
        issues[at["title"]] = _("An action needs a title.")
    owner = int(owner_text) if owner_text.isdigit() else None
    person = int(person_text) if person_text.isdigit() else None
    kept = existing is not None and person is not None and person == existing.owner_user_id
    if person_text:
        if person not in sides and not kept:  # an owner who left since may stay as they were
            first, second = review.charter.sides
            issues[at["owner_user_id"]] = _(
                "The owner must be a member of %(a)s or %(b)s.", a=first.name, b=second.name
            )
            person = None
        elif person not in sides:
            owner = existing.owner_department_id
        elif owner not in sides[person]:
            owner = sides[person][0]  # the department follows from the person
    elif existing is None or existing.owner_user_id is not None:
        issues[at["owner_user_id"]] = _("Choose the person who owns the action.")
    elif owner not in review.charter.department_ids:
        # An action from before people owned actions: its department alone still owns it.
        issues[at["owner_department_id"]] = _("Choose the department that owns the action.")
    due = None
    if not due_text:
        issues[at["due_on"]] = _("An action needs a due date.")
    else:
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            issues[at["due_on"]] = _("Give the due date as a date, for example 2027-03-31.")
    if status_text not in {s.value for s in ActionStatus}:
        issues[at["status"]] = _("Choose open or done.")
        status_text = "open"
    return {
        "id": row.id,
        "title": title,
        "owner_department_id": owner,
        "owner_user_id": person,
        "due_on": due,
        "status": ActionStatus(status_text),
    }


# ---------------------------------------------------------------- the save


def _lock(review: Review) -> Review:
    """Take the review's row lock and reload what is saved now (PostgreSQL serialises here)."""
    return db.session.execute(
        select(Review)
        .where(Review.id == review.id)
        .options(
            selectinload(Review.assessments),
            selectinload(Review.actions),
            selectinload(Review.carried_actions),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _last_saved_by(review: Review) -> str | None:
    """Who saved the review last (from the audit trail), for an honest conflict message."""
    return db.session.scalar(
        select(User.name)
        .join(AuditEvent, AuditEvent.actor_id == User.id)
        .where(
            AuditEvent.action == "review_saved",
            AuditEvent.object_type == "review",
            AuditEvent.object_id == review.id,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def save_meeting(
    actor: User,
    review: Review,
    save: MeetingSave,
    *,
    now: datetime | None = None,
    send_minutes: bool = True,
) -> Review:
    """Save the meeting, possibly half-filled; with ``save.close``, check it is complete and close.

    Refused with MeetingConflict when a field changed meanwhile was changed here too (or, with
    no ``save.seen``, when anyone saved since ``save.lock_version``); MeetingInvalid names the
    fields at fault. ``send_minutes`` False skips the minutes e-mails (loading past reviews).
    """
    now = now or utcnow()
    require_editor(actor, review)
    review.ensure_open()
    seen_version = save.lock_version
    if isinstance(seen_version, bool) or not isinstance(seen_version, int):
        raise ValidationError(_("lock_version is required."), field="lock_version")
    if not review.assessments:
        start_review(actor, review, now)
    review = _lock(review)
    review.ensure_open()
    stale = seen_version != review.lock_version
    values, conflicts = merge(save, MeetingValues.recorded(review), stale=stale)
    if stale and (conflicts or save.seen is None):
        raise MeetingConflict(
            conflicts=conflicts,
            merged=values,
            current_lock_version=review.lock_version,
            saved_by=_last_saved_by(review),
        )
    clean, issues = check(review, values, closing=save.close)
    if issues:
        raise MeetingInvalid(issues)
    _write(actor, review, clean, now)
    if save.close:
        close_review(actor, review, now, send_minutes=send_minutes)
    return review


def _write(actor: User, review: Review, clean: _Clean, now: datetime) -> None:
    current = review.lock_version
    result = db.session.execute(
        update(Review)
        .where(Review.id == review.id, Review.lock_version == current)
        .values(lock_version=current + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # only without row locks, and then only in a race
        raise ConflictError(
            _("Someone else saved this review at the same moment: save again."),
            details={"current_lock_version": current},
        )
    db.session.refresh(review, ["lock_version", "updated_at"])
    for assessment in review.assessments:
        for name, value in clean.assessments[assessment.id].items():
            setattr(assessment, name, value)
    for name, value in clean.scalars.items():
        setattr(review, name, value)
    existing = {a.id: a for a in review.meeting_actions}
    changed: list[tuple[ActionItem, dict[str, Any]]] = []
    for row in clean.actions:
        if row["id"] is None:
            action = ActionItem(charter_id=review.charter_id, created_at=now)
            review.actions.append(action)
            before = None
        else:
            action = existing[row["id"]]
            before = _action_state(action)
        action.title = row["title"]
        action.owner_department_id = row["owner_department_id"]
        action.owner_user_id = row["owner_user_id"]
        action.due_on = row["due_on"]
        if row["status"] == ActionStatus.DONE and action.status != ActionStatus.DONE:
            action.done_at, action.done_by_id = now, actor.id
        elif row["status"] == ActionStatus.OPEN:
            action.done_at, action.done_by_id = None, None
        action.status = row["status"]
        if action.status == ActionStatus.DONE or (action.due_on and action.due_on >= now.date()):
            action.overdue_since = None
        if before is not None:
            after = _action_state(action)
            diff = {k: v for k, v in after.items() if before[k] != v}
            if diff:
                changed.append((action, diff))
    if review.status != ReviewStatus.IN_PROGRESS:
        review.transition(ReviewStatus.IN_PROGRESS)
    db.session.flush()
    record_event(
        "review_saved",
        actor=actor,
        object_type="review",
        object_id=review.id,
        charter_id=review.charter_id,
        data={"lock_version": review.lock_version},
        now=now,
    )
    for action, diff in changed:
        # The same row, whichever review decided it: each change in the trail on its own.
        record_event(
            "action_updated",
            actor=actor,
            object_type="action_item",
            object_id=action.id,
            charter_id=review.charter_id,
            data={"review_id": review.id, "changes": diff},
            now=now,
        )


def _action_state(action: ActionItem) -> dict[str, Any]:
    """An action's fields as JSON values, to tell what a save changed."""
    return {
        "title": action.title,
        "owner_department_id": action.owner_department_id,
        "owner_user_id": action.owner_user_id,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "status": action.status.value if action.status else None,
    }
