"""The meeting page's inputs, to and from the meeting service's values and field paths.

Inputs are named ``criterion_value``, ``assessment-<id>-measured``, ``action-<key>-due``…,
where an action's key is its id, or ``new<n>`` for a blank row. The page posts back a signed
snapshot of the values it showed: that is what the person saw (``MeetingSave.seen``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from flask_babel import format_decimal

from .. import formats, labels, merging
from ..directory.queries import members_by_department
from ..extensions import db
from ..models import Department, Review, User
from .meeting import NUMBER_INPUT_DECIMALS
from .meeting_input import (
    SCALAR_FIELDS,
    ActionValues,
    AssessmentValues,
    FieldPath,
    MeetingValues,
)

ASSESSMENT_INPUTS = {
    "result": "result",
    "measured_value": "measured",
    "comment": "comment",
    "cause": "cause",
    "prerequisite_commitment_id": "prerequisite",
    "cause_note": "cause-note",
}
# The owner is one select whose options are "<department id>-<person id>" (a person of either
# side, in the department they act for), or "<department id>" for an action from before people
# owned actions: both owner fields are that one input.
ACTION_INPUTS = {
    "title": "title",
    "owner_department_id": "owner",
    "owner_user_id": "owner",
    "due_on": "due",
    "status": "status",
}
OWNER_FIELDS = ("owner_department_id", "owner_user_id")
NEW_ACTION_RE = re.compile(r"^action-(new\d{1,2})-title$")
# The blank rows a page offers: all it has without the script, which adds and removes rows.
BLANK_ROWS = ["new0", "new1", "new2"]


def owner_choices(review: Review) -> list[tuple[Department, list[User]]]:
    """Who may own an action: each side's people (in the charter's order), by name."""
    people = members_by_department(review.charter.department_ids)
    return [(side, people.get(side.id, [])) for side in review.charter.sides]


def new_action_keys(form: Mapping[str, str]) -> list[str]:
    """The blank action rows the page sent (``new0``, ``new1``…)."""
    return [m.group(1) for key in form if (m := NEW_ACTION_RE.match(key))]


def input_name(path: FieldPath, action_keys: list[str]) -> str:
    """The page's input for a domain path (actions by their place in ``action_keys``)."""
    if path.assessment_id is not None:
        return f"assessment-{path.assessment_id}-{ASSESSMENT_INPUTS.get(path.field, path.field)}"
    if path.action_index is not None:
        key = action_keys[path.action_index]
        return f"action-{key}-{ACTION_INPUTS.get(path.field, 'title')}"
    return path.field


def _typed(value: str, field: str) -> str:
    """A number as the reader types it (their separator, no grouping); other text as it is."""
    number = formats.parse_number(value)
    pattern = "0." + "#" * NUMBER_INPUT_DECIMALS[field]
    return value if number is None else format_decimal(number, format=pattern)


def to_inputs(values: MeetingValues, action_keys: list[str]) -> dict[str, str]:
    """Input name → text for every value present (numbers in the reader's format)."""
    inputs: dict[str, str] = {}
    for name in SCALAR_FIELDS:
        value = getattr(values, name)
        if value is not None:
            inputs[name] = value
    if inputs.get("criterion_value"):
        inputs["criterion_value"] = _typed(inputs["criterion_value"], "criterion_value")
    for assessment_id, item in values.assessments.items():
        for name, suffix in ASSESSMENT_INPUTS.items():
            if getattr(item, name) is not None:
                inputs[f"assessment-{assessment_id}-{suffix}"] = getattr(item, name)
        if item.measured_value:
            measured = _typed(item.measured_value, "measured_value")
            inputs[f"assessment-{assessment_id}-measured"] = measured
    for key, item in zip(action_keys, values.actions, strict=True):
        for name, suffix in ACTION_INPUTS.items():
            if name not in OWNER_FIELDS and getattr(item, name) is not None:
                inputs[f"action-{key}-{suffix}"] = getattr(item, name)
        if item.owner_department_id is not None or item.owner_user_id is not None:
            inputs[f"action-{key}-owner"] = owner_value(item)
    return inputs


def owner_value(item: ActionValues) -> str:
    """The owner select's value: "<department>-<person>", "<department>" or ""."""
    department, person = item.owner_department_id or "", item.owner_user_id or ""
    return f"{department}-{person}" if person else department


def _owner_fields(value: str | None) -> dict[str, str | None]:
    """The owner select's value as the two owner fields (None when the page did not send it)."""
    if value is None:
        return {"owner_department_id": None, "owner_user_id": None}
    department, _sep, person = value.strip().partition("-")
    return {"owner_department_id": department, "owner_user_id": person}


def recorded_inputs(review: Review) -> dict[str, str]:
    """The inputs as the page shows what is saved now, with the lock version."""
    values = MeetingValues.recorded(review)
    inputs = to_inputs(values, [str(a.id) for a in values.actions])
    inputs["lock_version"] = str(review.lock_version)
    return inputs


def from_inputs(review: Review, form: Mapping[str, str]) -> tuple[MeetingValues, list[str]]:
    """The values a page sent (an input it did not send is None) and its action rows' keys."""
    assessments = {}
    for a in review.assessments:
        names = {name: f"assessment-{a.id}-{suffix}" for name, suffix in ASSESSMENT_INPUTS.items()}
        if any(n in form for n in names.values()):
            assessments[a.id] = AssessmentValues(**{k: form.get(n) for k, n in names.items()})
    keys = [str(a.id) for a in review.meeting_actions if f"action-{a.id}-title" in form]
    keys += new_action_keys(form)
    actions = []
    for key in keys:
        names = {
            name: f"action-{key}-{suffix}"
            for name, suffix in ACTION_INPUTS.items()
            if name not in OWNER_FIELDS
        }
        actions.append(
            ActionValues(
                id=None if key.startswith("new") else int(key),
                **{k: form.get(n) for k, n in names.items()},
                **_owner_fields(form.get(f"action-{key}-owner")),
            )
        )
    values = MeetingValues(
        **{name: form.get(name) for name in SCALAR_FIELDS},
        assessments=assessments,
        actions=tuple(actions),
    )
    return values, keys


# ---------------------------------------------------------------- the snapshot

SNAPSHOT_SALT = "review-meeting-snapshot"


def snapshot(review: Review, inputs: dict[str, str]) -> str:
    """A signed copy of the recorded values the page shows, posted back with the form."""
    return merging.sign(
        SNAPSHOT_SALT, review.id, {k: v for k, v in inputs.items() if k != "lock_version"}
    )


def read_snapshot(review: Review, token: str) -> dict[str, str] | None:
    """The inputs the person's page was opened with (None if absent or tampered with)."""
    return merging.unsign(SNAPSHOT_SALT, review.id, token)


def shown(review: Review, path: FieldPath, value: str) -> str:
    """A recorded value as a person reads it (for "saved meanwhile: …")."""
    if not value:
        return "—"
    if path.field == "result":
        return labels.result_label(value)
    if path.field == "cause":
        return labels.cause_label(value)
    if path.field == "prerequisite_commitment_id":
        titles = {c.id: c.title for c in review.charter.commitments}
        return titles.get(int(value), value) if value.isdigit() else value
    if path.field == "decision":
        return labels.decision_label(value)
    if path.field == "status":
        return labels.action_status_label(value)
    if path.field == "owner_user_id":
        person = db.session.get(User, int(value)) if value.isdigit() else None
        return person.name if person is not None else value
    if path.field == "owner_department_id":
        return review.charter.department_names.get(int(value), value) if value.isdigit() else value
    if path.field == "due_on":
        try:
            return formats.day(datetime.fromisoformat(value).date())
        except ValueError:
            return value
    if path.field in ("criterion_value", "measured_value"):
        return formats.number(value, decimals=3)
    return value
