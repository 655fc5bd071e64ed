"""What waits for a person: the one answer the home page, the menu's badges and the inbox share.

``what_waits_for(user, now)`` gathers, each kind in one or two queries whatever the data size:

- ``sign``: charters whose version awaits the signature of a side the person heads;
- ``draft``: drafts (amendments included) of a side they head, changed by someone else since
  their last visit or where the other side asks something of theirs (an expectation to answer,
  a proposed change to decide), with who moved last (``moved_by``), the person's unread
  messages about it (``news``: "Hélène Marchand changed 2 commitments") and what their side
  has left to do (``todo``: expectations to answer, proposals to decide, lines to agree);
- ``review``: open reviews of their charters (as a head, or invited) due within the reminder
  window or overdue: to schedule, to prepare, in progress;
- ``action``: open action items they own (or, for a head, their departments own; for a member,
  their departments own without naming anyone) due within the "due soon" window or late.

Each kind is computed when first asked for, so the menu (sign and action counts) does not pay
for the home page's lists; ``waiting_for_current_user`` remembers the answer for the request.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from flask import g
from flask_login import current_user
from sqlalchemy import String, and_, exists, func, literal, or_, select, true, union_all
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    DEFAULT_REMINDER_OFFSETS,
    OPEN_REVIEW_STATUSES,
    ActionItem,
    ActionStatus,
    Agreement,
    Charter,
    CharterStatus,
    CharterVersion,
    CharterVisit,
    Commitment,
    Expectation,
    ExpectationStatus,
    Notification,
    Proposal,
    ProposalStatus,
    ReminderSettings,
    Review,
    ReviewAttendee,
    ReviewStatus,
    Role,
    Signature,
    User,
)
from ..timeutil import utcnow

# The reminder settings' defaults and bounds (the administrators' form allows 0 to 90 days).
DUE_SOON_DAYS = 3
MAX_DUE_SOON_DAYS = 90


SHOWN = 10  # items of the list on the home page and in the inbox


class WaitKind(enum.StrEnum):
    SIGN = "sign"
    DRAFT = "draft"
    REVIEW = "review"
    ACTION = "action"


# Inbox messages that ask for something, and which kind of waiting item answers them.
ASKING_KINDS = {
    "signature_requested": WaitKind.SIGN,
    "signature_awaited": WaitKind.SIGN,
}


@dataclass(frozen=True)
class WaitingItem:
    kind: WaitKind
    charter: Charter
    since: datetime | date | None = None
    version_number: int | None = None
    review: Review | None = None
    action: ActionItem | None = None
    today: date | None = None
    moved_by: str | None = None  # a draft: the name of who changed it last
    news: tuple[Notification, ...] = ()  # a draft: the person's unread messages about it
    todo: tuple[tuple[str, int], ...] = ()  # a draft: ("answer"|"decide"|"agree", how many)
    changed: bool = True  # a draft: changed by someone else since the person's last visit

    @property
    def step(self) -> str:
        """What is expected, within the kind (a review to schedule, an action overdue…)."""
        if self.review is not None:
            if self.review.status == ReviewStatus.IN_PROGRESS:
                return "in_progress"
            return "prepare" if self.review.status == ReviewStatus.SCHEDULED else "schedule"
        if self.action is not None:
            return "overdue" if self.is_late else "due_soon"
        return self.kind.value

    @property
    def is_late(self) -> bool:
        today = self.today or utcnow().date()
        if self.action is not None:
            return self.action.due_on < today
        if self.review is not None:
            return self.review.overdue_since is not None or self.review.meeting_on < today
        return False


class Waiting:
    """What waits for ``user`` at ``now``, by kind (each kind queried when first read)."""

    def __init__(self, user: User, now: datetime) -> None:
        self.user = user
        self.now = now
        memberships = list(user.memberships)
        self.heads = sorted({m.department_id for m in memberships if m.role == Role.HEAD})
        self.departments = sorted({m.department_id for m in memberships})
        self.today = now.date()

    @cached_property
    def _settings(self) -> ReminderSettings | None:
        return db.session.scalar(select(ReminderSettings).limit(1))

    # ------------------------------------------------------------ the kinds

    @cached_property
    def to_sign(self) -> list[WaitingItem]:
        """Charters with a version awaiting the signature of a side the person heads."""
        if not self.heads:
            return []
        mine = self.heads

        def unsigned_by(side):
            """The side is one the person heads and has not signed this version."""
            signed = exists().where(
                Signature.version_id == CharterVersion.id,
                Signature.department_id == side,
                Signature.voided_at.is_(None),
            )
            return and_(side.in_(mine), ~signed)

        rows = db.session.execute(
            select(Charter, CharterVersion)
            .join(CharterVersion, CharterVersion.charter_id == Charter.id)
            .where(
                Charter.status == CharterStatus.AWAITING_SIGNATURES,
                CharterVersion.voided_at.is_(None),
                CharterVersion.activated_at.is_(None),
                or_(unsigned_by(Charter.department_a_id), unsigned_by(Charter.department_b_id)),
            )
            .options(joinedload(Charter.department_a), joinedload(Charter.department_b))
            .order_by(CharterVersion.created_at, Charter.id)
        ).all()
        return [
            WaitingItem(
                WaitKind.SIGN, charter, version.created_at, version.number, today=self.today
            )
            for charter, version in rows
        ]

    @cached_property
    def drafts(self) -> list[WaitingItem]:
        """Drafts of a side the person heads, changed by someone else since their last visit
        or where the other side asks something of theirs."""
        if not self.heads:
            return []
        todo = self._todo()
        asked = [cid for cid, what in todo.items() if what.get("answer") or what.get("decide")]
        changed = and_(
            or_(Charter.last_activity_by_id.is_(None), Charter.last_activity_by_id != self.user.id),
            or_(CharterVisit.seen_at.is_(None), Charter.updated_at > CharterVisit.seen_at),
        )
        rows = db.session.execute(
            select(Charter, changed, User.name)
            .outerjoin(
                CharterVisit,
                and_(CharterVisit.charter_id == Charter.id, CharterVisit.user_id == self.user.id),
            )
            .outerjoin(User, User.id == Charter.last_activity_by_id)
            .where(
                Charter.status == CharterStatus.DRAFT,
                _of_departments(self.heads),
                or_(changed, Charter.id.in_(asked)) if asked else changed,
            )
            .options(selectinload(Charter.department_a), selectinload(Charter.department_b))
            .order_by(Charter.updated_at.desc(), Charter.id)
        ).all()
        if not rows:
            return []
        news: dict[int, list[Notification]] = {}
        for notification in db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == self.user.id,
                Notification.object_type == "charter",
                Notification.object_id.in_([charter.id for charter, _, _ in rows]),
                Notification.read_at.is_(None),
                Notification.done_at.is_(None),
            )
            .order_by(Notification.created_at, Notification.id)
        ):
            news.setdefault(notification.object_id, []).append(notification)
        return [
            WaitingItem(
                WaitKind.DRAFT,
                charter,
                charter.updated_at,
                today=self.today,
                moved_by=moved_by,
                news=tuple(news.get(charter.id, ())),
                todo=tuple((w, n) for w in ("answer", "decide", "agree")
                           if (n := todo.get(charter.id, {}).get(w))),
                changed=bool(is_changed),
            )
            for charter, is_changed, moved_by in rows
        ]  # fmt: skip

    def _todo(self) -> dict[int, dict[str, int]]:
        """Per draft of the person's sides, what their side has left to do, in one statement:
        open expectations addressed to it ("answer"), open proposals on its commitments
        ("decide"), commitments it has not agreed to ("agree")."""
        mine = self.heads
        draft = and_(Charter.status == CharterStatus.DRAFT, _of_departments(mine))
        answer = (
            select(Expectation.charter_id, literal("answer", String), func.count())
            .join(Charter, Charter.id == Expectation.charter_id)
            .where(
                draft,
                Expectation.status == ExpectationStatus.OPEN,
                Expectation.to_department_id.in_(mine),
            )
            .group_by(Expectation.charter_id)
        )
        decide = (
            select(Proposal.charter_id, literal("decide", String), func.count())
            .join(Commitment, Commitment.id == Proposal.commitment_id)
            .join(Charter, Charter.id == Proposal.charter_id)
            .where(
                draft,
                Proposal.status == ProposalStatus.OPEN,
                Commitment.provider_department_id.in_(mine),
            )
            .group_by(Proposal.charter_id)
        )
        agree = (
            select(Commitment.charter_id, literal("agree", String), func.count())
            .join(Charter, Charter.id == Commitment.charter_id)
            .where(draft, ~exists().where(Agreement.commitment_id == Commitment.id,
                                          Agreement.department_id.in_(mine)))
            .group_by(Commitment.charter_id)
        )  # fmt: skip
        todo: dict[int, dict[str, int]] = {}
        for charter_id, what, count in db.session.execute(union_all(answer, decide, agree)):
            todo.setdefault(charter_id, {})[what] = count
        return todo

    @cached_property
    def reviews(self) -> list[WaitingItem]:
        """Open reviews to schedule, prepare or finish: the person heads a side or is invited."""
        settings = self._settings
        window = max(settings.offsets if settings else DEFAULT_REMINDER_OFFSETS, default=14)
        horizon = self.today + timedelta(days=window)
        before = datetime.combine(horizon + timedelta(days=1), time.min, tzinfo=UTC)
        invited = select(ReviewAttendee.review_id).where(ReviewAttendee.user_id == self.user.id)
        concerned = Review.id.in_(invited)
        if self.heads:
            concerned = or_(concerned, _of_departments(self.heads))
        reviews = db.session.scalars(
            select(Review)
            .join(Charter, Charter.id == Review.charter_id)
            .where(
                Review.status.in_(OPEN_REVIEW_STATUSES),
                # Only a charter in force without an amendment is reviewed (reviews.access).
                Charter.status == CharterStatus.ACTIVE,
                concerned,
                or_(
                    Review.status == ReviewStatus.IN_PROGRESS,
                    and_(Review.scheduled_at.is_(None), Review.due_on <= horizon),
                    Review.scheduled_at < before,
                ),
            )
            .options(
                joinedload(Review.charter).joinedload(Charter.department_a),
                joinedload(Review.charter).joinedload(Charter.department_b),
            )
            .order_by(Review.due_on, Review.id)
        ).all()
        return [
            WaitingItem(
                WaitKind.REVIEW, r.charter, r.scheduled_at or r.due_on, review=r, today=self.today
            )
            for r in reviews
        ]

    @cached_property
    def actions(self) -> list[WaitingItem]:
        """Open actions the person owns, late or due within the window; a head also sees their
        departments' actions, and a member those of their departments that name no one."""
        if not self.departments:
            return []
        concerned = or_(
            ActionItem.owner_user_id == self.user.id,
            and_(
                ActionItem.owner_user_id.is_(None),
                ActionItem.owner_department_id.in_(self.departments),
            ),
        )
        if self.heads:
            concerned = or_(concerned, ActionItem.owner_department_id.in_(self.heads))
        # The "due soon" window comes with the rows (one query, the settings joined in).
        rows = db.session.execute(
            select(ActionItem, ReminderSettings.action_due_soon_days)
            .join(Charter, Charter.id == ActionItem.charter_id)
            .outerjoin(ReminderSettings, true())
            .where(
                ActionItem.status == ActionStatus.OPEN,
                concerned,
                ActionItem.due_on <= self.today + timedelta(days=MAX_DUE_SOON_DAYS),
                # Ended or expired: no longer in force, its actions are not chased.
                Charter.status.not_in((CharterStatus.ENDED, CharterStatus.EXPIRED)),
            )
            .options(
                joinedload(ActionItem.charter),
                joinedload(ActionItem.owner_department),
                joinedload(ActionItem.owner),
            )
            .order_by(ActionItem.due_on, ActionItem.id)
        ).all()
        actions = [
            action
            for action, soon in rows
            if action.due_on <= self.today + timedelta(days=DUE_SOON_DAYS if soon is None else soon)
        ]
        return [
            WaitingItem(WaitKind.ACTION, a.charter, a.due_on, action=a, today=self.today)
            for a in actions
        ]

    # ------------------------------------------------------------ together

    def of(self, kind: WaitKind | str) -> list[WaitingItem]:
        return {
            WaitKind.SIGN: lambda: self.to_sign,
            WaitKind.DRAFT: lambda: self.drafts,
            WaitKind.REVIEW: lambda: self.reviews,
            WaitKind.ACTION: lambda: self.actions,
        }[WaitKind(kind)]()

    def count(self, kind: WaitKind | str) -> int:
        return len(self.of(kind))

    @property
    def items(self) -> list[WaitingItem]:
        """Everything, in the order the home page shows it."""
        return [item for kind in WaitKind for item in self.of(kind)]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def shown(self) -> list[WaitingItem]:
        """The first ``SHOWN`` items: the home page and the inbox lead with them and link to
        the whole list (``/waiting``), which a busy head's 40 items would otherwise bury."""
        return self.items[:SHOWN]

    @property
    def hidden(self) -> int:
        return max(0, self.total - SHOWN)

    def __contains__(self, charter: object) -> bool:
        return any(item.charter is charter for item in self.items)

    @property
    def charters_to_sign(self) -> list[Charter]:
        return [item.charter for item in self.to_sign]

    def asks(self, notification: Notification) -> bool:
        """Whether an inbox message still asks for something that waits for the person."""
        kind = ASKING_KINDS.get(notification.kind)
        if kind is None or notification.done_at is not None:
            return False
        if notification.object_type != "charter":
            return False
        return any(item.charter.id == notification.object_id for item in self.of(kind))


def what_waits_for(user: User, now: datetime | None = None) -> Waiting:
    """What waits for ``user`` at ``now`` (each kind is queried when first read)."""
    return Waiting(user, now or utcnow())


def waiting_for_current_user() -> Waiting:
    """``what_waits_for`` the signed-in person, computed once per request."""
    cached = g.get("_waiting")
    if cached is None or cached.user.id != current_user.id:
        cached = g._waiting = what_waits_for(current_user._get_current_object())
    return cached


def _of_departments(ids: list[int]):
    return or_(Charter.department_a_id.in_(ids), Charter.department_b_id.in_(ids))


__all__ = ["WaitKind", "Waiting", "WaitingItem", "waiting_for_current_user", "what_waits_for"]
