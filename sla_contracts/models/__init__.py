"""All models, imported here so that metadata and Alembic see every table."""

from . import reviews, signing  # noqa: F401  (filled by later issues)
from .api import ApiToken
from .audit import AuditEvent
from .charters import (
    CHARTER_TRANSITIONS,
    COMMITMENT_FIELDS,
    REVIEW_CADENCES,
    Charter,
    CharterStatus,
    CharterVisit,
    Comment,
    Commitment,
    Revision,
)
from .directory import CustomerCriterion, Department, Direction, Membership, Role, User
from .notifications import Notification, OutboxEmail
from .reviews import (
    DEFAULT_REMINDER_OFFSETS,
    OPEN_REVIEW_STATUSES,
    REVIEW_TRANSITIONS,
    ActionItem,
    ActionStatus,
    Assessment,
    AssessmentResult,
    Reminder,
    ReminderSettings,
    Review,
    ReviewAttendee,
    ReviewDecision,
    ReviewStatus,
)
from .signing import CharterVersion, ShareLink, Signature, pending_version, version_in_force
from .standing import STANDING_ORDER, CharterStanding, Standing, standing, standings

__all__ = [
    "STANDING_ORDER",
    "CharterStanding",
    "Standing",
    "standing",
    "standings",
    "pending_version",
    "version_in_force",
    "CHARTER_TRANSITIONS",
    "COMMITMENT_FIELDS",
    "REVIEW_CADENCES",
    "ApiToken",
    "AuditEvent",
    "Charter",
    "CharterStatus",
    "CharterVisit",
    "Comment",
    "Commitment",
    "CustomerCriterion",
    "Department",
    "Direction",
    "Membership",
    "Notification",
    "OutboxEmail",
    "Revision",
    "Role",
    "User",
    "CharterVersion",
    "Signature",
    "ShareLink",
    "DEFAULT_REMINDER_OFFSETS",
    "OPEN_REVIEW_STATUSES",
    "REVIEW_TRANSITIONS",
    "ActionItem",
    "ActionStatus",
    "Assessment",
    "AssessmentResult",
    "Reminder",
    "ReminderSettings",
    "Review",
    "ReviewAttendee",
    "ReviewDecision",
    "ReviewStatus",
]
