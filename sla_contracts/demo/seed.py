"""Load the demo organisation through the service functions, so it looks like real use.

Every charter is opened, filled, discussed and edited by the people who would do it, at dates
spread over the past months: revisions, comments and audit events exist as after real work.
Idempotent: departments, people and criteria are matched by code, e-mail and name, charters by
title; what exists is left alone. Flushes only: the command commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from .. import notifications
from ..auth.passwords import hash_password
from ..charters import negotiation
from ..charters import operations as charters
from ..charters.ownership import may_act_for
from ..directory import operations as directory
from ..extensions import db
from ..models import (
    Charter,
    Commitment,
    CustomerCriterion,
    Department,
    Membership,
    Role,
    User,
)
from ..readings.operations import criterion_readings_of
from ..timeutil import utcnow
from . import data
from .lifecycle import seed_lifecycle
from .readings import seed_criterion_readings, seed_readings
from .reminders import seed_reminder_preferences
from .report import LEADERSHIP, seed_leadership
from .silos import seed_silos

# Drafting starts at 09:00 UTC on the day a charter was opened, one step per hour after that.
STEP = timedelta(hours=1)


@dataclass
class SeedResult:
    departments: int = 0
    users: int = 0
    criteria: int = 0
    charters: int = 0

    def __bool__(self) -> bool:
        return any((self.departments, self.users, self.criteria, self.charters))


def demo_email(login: str) -> str:
    """Return the demo e-mail address of ``login`` (``prenom.nom``)."""
    return login if "@" in login else f"{login}@{data.EMAIL_DOMAIN}"


def has_departments() -> bool:
    """True when the directory holds at least one department (``seed-demo --if-empty``)."""
    return db.session.scalar(select(Department.id).limit(1)) is not None


def seed_demo(now: datetime | None = None) -> SeedResult:
    """Create whatever part of the demo organisation is missing; return what was created."""
    now = now or utcnow()
    result = SeedResult()
    password_hash = _PasswordHash()
    admin = _user(data.ADMIN, password_hash, result, is_admin=True)
    departments = {
        spec["code"]: _department(admin, spec, password_hash, result) for spec in data.DEPARTMENTS
    }
    criteria = {spec["name"]: _criterion(admin, spec, result) for spec in data.CRITERIA}
    seed_leadership(admin, _user(LEADERSHIP, password_hash, result))
    with notifications.inbox_only():
        for criterion in criteria.values():
            if not criterion_readings_of(criterion):
                seed_criterion_readings(criterion, admin, now)
    for spec in data.CHARTERS:
        if _charter_exists(spec["title"]):
            continue
        # History being replayed: the inbox shows it, nobody is e-mailed about it.
        with notifications.inbox_only():
            charter = _write_charter(spec, departments, criteria, now)
        advance_charter(charter, spec, now)
        result.charters += 1
    result.charters += seed_lifecycle(now)  # one charter ending within 30 days, one expired
    seed_silos(admin, departments, now)
    seed_reminder_preferences(demo_email, now)
    db.session.flush()
    return result


class _PasswordHash:
    """Hash the demo password once, only if someone needs it (1,000,000 rounds is slow)."""

    def __init__(self) -> None:
        self._value: str | None = None

    def __call__(self) -> str:
        if self._value is None:
            self._value = hash_password(data.DEMO_PASSWORD)
        return self._value


def _find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def _user(
    spec: dict[str, str], password_hash: Callable[[], str], result: SeedResult, **extra: Any
) -> User:
    user = _find_user(spec["email"])
    if user is None:
        user = User(
            email=spec["email"],
            name=spec["name"],
            password_hash=password_hash(),
            locale="fr",
            **extra,
        )
        db.session.add(user)
        db.session.flush()
        result.users += 1
    return user


def _department(
    admin: User, spec: dict[str, Any], password_hash: Callable[[], str], result: SeedResult
) -> Department:
    department = db.session.scalar(select(Department).where(Department.code == spec["code"]))
    if department is None:
        department = directory.create_department(admin, name=spec["name"], code=spec["code"])
        result.departments += 1
    for role, people in ((Role.HEAD, spec["heads"]), (Role.MEMBER, spec["members"])):
        for person in people:
            user = _user(person, password_hash, result)
            membership = db.session.scalar(
                select(Membership).where(
                    Membership.user_id == user.id, Membership.department_id == department.id
                )
            )
            if membership is None:
                db.session.add(Membership(user=user, department=department, role=role))
    db.session.flush()
    return department


def _criterion(admin: User, spec: dict[str, Any], result: SeedResult) -> CustomerCriterion:
    criterion = db.session.scalar(
        select(CustomerCriterion).where(CustomerCriterion.name == spec["name"])
    )
    if criterion is None:
        criterion = directory.create_criterion(admin, spec)
        result.criteria += 1
    return criterion


def _charter_exists(title: str) -> bool:
    return db.session.scalar(select(Charter.id).where(Charter.title == title)) is not None


def _head(department: Department) -> User:
    return next(m.user for m in department.memberships if m.role == Role.HEAD)


def _person(login: str) -> User:
    user = _find_user(demo_email(login))
    if user is None:
        raise LookupError(f"demo data names an unknown person: {login}")
    return user


def _write_charter(
    spec: dict[str, Any],
    departments: dict[str, Department],
    criteria: dict[str, CustomerCriterion],
    now: datetime,
) -> Charter:
    """Open the draft, write both sides, then replay the discussion and the edits."""
    side = {"a": departments[spec["a"]], "b": departments[spec["b"]]}
    opened = (now - timedelta(days=spec["opened_days_ago"])).replace(
        hour=9, minute=0, second=0, microsecond=0
    )

    def at(days_after: float, step: int = 0) -> datetime:
        # Never in the future, whatever the offsets say.
        return min(opened + timedelta(days=days_after) + step * STEP, now - timedelta(minutes=1))

    charter = charters.create_charter(
        _head(side["a"]),
        title=spec.get("opened_as", spec["title"]),
        department_a_id=side["a"].id,
        department_b_id=side["b"].id,
        criterion_id=criteria[spec["criterion"]].id,
        review_cadence_months=spec["cadence"],
        now=at(0),
    )
    # Each head writes their own side, the first afternoon for A, the next morning for B.
    written: dict[str, list[Commitment]] = {"a": [], "b": []}
    for key, start in (("a", 1), ("b", 24)):
        for i, fields in enumerate(spec[f"commitments_{key}"]):
            written[key].append(
                charters.add_commitment(
                    _head(side[key]), charter, side[key].id, fields, now=at(0, start + i)
                )
            )

    # A commitment that depends on what the other side commits to, declared by its provider.
    for (key, index), (other, other_index) in spec.get("prerequisites", []):
        commitment = written[key][index]
        charters.update_commitment(
            _head(side[key]),
            commitment,
            commitment.lock_version,
            {"prerequisite_ids": [written[other][other_index].id]},
            now=at(1, 2),
        )

    # The discussion and the edits, in the order they happened.
    events: list[tuple[datetime, int, Callable[[], None]]] = []
    for n, comment in enumerate(spec["comments"]):
        when = at(comment["days_after"], 2 + n)
        events.append((when, 0, _comment_step(charter, comment, written, when, at)))
    for n, edit in enumerate(spec["edits"]):
        when = at(edit["days_after"], 6 + n)
        events.append((when, 1, _edit_step(charter, edit, written, when)))
    for _when, _order, step in sorted(events, key=lambda e: (e[0], e[1])):
        step()
    _negotiate(charter, spec, side, written, at)
    db.session.flush()
    return charter


def _negotiate(
    charter: Charter,
    spec: dict[str, Any],
    side: dict[str, Department],
    written: dict[str, list[Commitment]],
    at: Callable[..., datetime],
) -> None:
    """Replay a draft's negotiation: expectations and their answers, proposals, agreements."""
    other = {"a": "b", "b": "a"}
    for n, item in enumerate(spec.get("expectations", [])):
        asker = item["side"]
        when = at(item["days_after"], 10 + n)
        expectation = negotiation.add_expectation(
            _head(side[asker]),
            charter,
            text=item["text"],
            customer_reason=item["customer_reason"],
            now=when,
        )
        answerer = _head(side[other[asker]])
        later = at(item["days_after"] + 0.2, 10 + n)
        if item.get("answer"):
            ids = [written[other[asker]][i].id for i in item["answer"]]
            negotiation.decide_expectation(
                answerer, expectation, "answered", commitment_ids=ids, now=later
            )
        elif item.get("declined"):
            negotiation.decide_expectation(
                answerer, expectation, "declined", reason=item["declined"], now=later
            )
    for n, item in enumerate(spec.get("proposals", [])):
        key, index = item["on"]
        negotiation.propose_change(
            _person(item["by"]),
            written[key][index],
            item["changes"],
            now=at(item["days_after"], 20 + n),
        )
    for agreeing, indexes in spec.get("agreements", []):
        for index in indexes:
            commitment = written[other[agreeing]][index]
            if not commitment.open_proposals:
                negotiation.agree(
                    _head(side[agreeing]),
                    commitment,
                    commitment.lock_version,
                    now=at(2, 30 + index),
                )


def _comment_step(
    charter: Charter,
    spec: dict[str, Any],
    written: dict[str, list[Commitment]],
    when: datetime,
    at: Callable[..., datetime],
) -> Callable[[], None]:
    def step() -> None:
        commitment_id = None
        if spec["on"] is not None:
            key, index = spec["on"]
            commitment_id = written[key][index].id
        comment = charters.add_comment(
            _person(spec["by"]), charter, spec["body"], commitment_id=commitment_id, now=when
        )
        if spec.get("resolved_by"):
            resolved_at = min(when + timedelta(hours=20), at(10_000))
            charters.set_comment_resolved(
                _person(spec["resolved_by"]), comment, True, now=resolved_at
            )

    return step


def _edit_step(
    charter: Charter, spec: dict[str, Any], written: dict[str, list[Commitment]], when: datetime
) -> Callable[[], None]:
    def step() -> None:
        actor = _person(spec["by"])
        if "charter" in spec:
            charters.update_charter(actor, charter, charter.lock_version, spec["charter"], now=when)
            return
        key, index = spec["on"]
        commitment = written[key][index]
        owner = _head(commitment.provider_department)
        if "move" in spec:
            mover = actor if may_act_for(actor, commitment.provider_department_id)[0] else owner
            for _ in range(abs(spec["move"])):
                charters.move_commitment(mover, commitment, -1 if spec["move"] < 0 else 1, now=when)
            return
        if may_act_for(actor, commitment.provider_department_id)[0]:
            charters.update_commitment(
                actor, commitment, commitment.lock_version, spec["fields"], now=when
            )
            return
        # A head changes the other side's commitment by proposing; its owner accepted.
        proposal = negotiation.propose_change(actor, commitment, spec["fields"], now=when)
        negotiation.accept_proposal(owner, proposal, now=when + timedelta(minutes=40))

    return step


def advance_charter(charter: Charter, spec: dict[str, Any], now: datetime) -> None:
    """Bring a seeded draft to the status ``spec["status"]`` says, through the real workflow.

    Submitted and signed the day after its last edit (so its history reads in order); an
    ended charter is ended after its last review. This is history: the inbox shows it, but
    nobody is e-mailed about it.
    """
    with notifications.inbox_only():
        _advance_charter(charter, spec, now)


def _advance_charter(charter: Charter, spec: dict[str, Any], now: datetime) -> None:
    from ..signing import amendments, signatures

    status = spec.get("status", "draft")
    if status == "draft":
        return
    head_a = _head(charter.department_a)
    head_b = _head(charter.department_b)
    reviews_days = [r["days_ago"] for r in spec.get("reviews", [])]
    latest_sign = now - timedelta(days=max(reviews_days, default=0) + 7)
    signed_at = min(charter.updated_at + timedelta(days=1), latest_sign, now - timedelta(hours=2))
    signed_at = max(signed_at, charter.updated_at + timedelta(minutes=5))
    # Line by line, each head agrees to what the other side wrote before it is submitted.
    agreed_at = signed_at - timedelta(minutes=3)
    for commitment in charter.commitments:
        side = charter.other_department_id(commitment.provider_department_id)
        if not commitment.is_agreed_by(side):
            head = head_a if side == charter.department_a_id else head_b
            negotiation.agree(head, commitment, commitment.lock_version, now=agreed_at)
    version = signatures.submit_charter(head_a, charter, leave_comments_open=True, now=signed_at)
    signatures.sign_charter(
        head_a,
        charter,
        version.number,
        data.DEMO_PASSWORD,
        None,
        now=signed_at + timedelta(hours=1),
    )
    if status == "awaiting_signatures":
        return
    signatures.sign_charter(
        head_b,
        charter,
        version.number,
        data.DEMO_PASSWORD,
        None,
        now=signed_at + timedelta(hours=3),
    )
    from ..reviews.demo import seed_reviews

    # A year of readings first, so that the reviews held since prepared themselves from them.
    held_on = [(now - timedelta(days=r["days_ago"])).date() for r in spec.get("reviews", [])]
    seed_readings(
        charter, head_a, now, streak=spec.get("readings_streak", False), missed_on=held_on
    )
    seed_reviews(charter, spec.get("reviews", []), now)
    if status == "ended" and charter.status.value != "ended":  # a review may have ended it
        ended_at = now - timedelta(days=max(min(reviews_days, default=2) - 1, 1))
        amendments.end_charter(
            head_a,
            charter,
            spec.get("end_reason")
            or "Objectifs atteints, charte remplacée par un accord plus large.",
            now=ended_at,
        )


def print_demo_accounts(echo: Callable[[str], Any]) -> None:
    """Print who to log in as: the admin and a few pairs of heads, with the password."""
    names = {d["code"]: d["name"] for d in data.DEPARTMENTS}
    head_of = {person["email"]: names[d["code"]] for d in data.DEPARTMENTS for person in d["heads"]}
    rows = [("Administrator", data.ADMIN["email"], "directory, criteria, every charter")]
    rows.append(("Leadership", LEADERSHIP["email"], "the monthly report"))
    for label, first, second in data.HIGHLIGHTED_PAIRS:
        for login in (first, second):
            email = demo_email(login)
            rows.append((label, email, f"head of {head_of[email]}"))
            label = ""
    width = max(len(r[1]) for r in rows)
    label_width = max(len(r[0]) for r in rows)
    echo(f"Demo accounts (password for all: {data.DEMO_PASSWORD})")
    for label, email, role in rows:
        echo(f"  {label:<{label_width}}  {email:<{width}}  {role}")
    echo(f"Every demo person has an e-mail firstname.lastname@{data.EMAIL_DOMAIN}.")
