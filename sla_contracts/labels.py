"""Translated labels for enum values and field names, shared by pages and PDFs."""

from __future__ import annotations

from flask_babel import gettext, lazy_pgettext, ngettext
from flask_babel import lazy_gettext as _l

from .measures import TargetDirection
from .models import (
    ActionItem,
    ActionStatus,
    AssessmentCause,
    AssessmentResult,
    CharterStanding,
    CharterStatus,
    Direction,
    ExpectationStatus,
    ReviewDecision,
    ReviewStatus,
    Role,
    ShareLinkStatus,
    SignatureMethod,
    Standing,
)

STATUS_LABELS = {
    CharterStatus.DRAFT: _l("Draft"),
    CharterStatus.AWAITING_SIGNATURES: _l("Awaiting signatures"),
    CharterStatus.ACTIVE: _l("Active"),
    CharterStatus.ENDED: _l("Ended"),
    CharterStatus.EXPIRED: lazy_pgettext("charter", "Expired"),
}

# What pages, lists and the map call a charter: its standing (see ``models.standing``).
STANDING_LABELS = {
    Standing.DRAFT: STATUS_LABELS[CharterStatus.DRAFT],
    Standing.AWAITING_SIGNATURES: STATUS_LABELS[CharterStatus.AWAITING_SIGNATURES],
    Standing.ACTIVE: STATUS_LABELS[CharterStatus.ACTIVE],
    Standing.AMENDING: _l("In force · amendment in progress"),
    Standing.ENDED: STATUS_LABELS[CharterStatus.ENDED],
    Standing.EXPIRED: STATUS_LABELS[CharterStatus.EXPIRED],
}

# A link's own words: "Active" of a charter is "En vigueur", of a link "Actif" (message context).
SHARE_LINK_STATUS_LABELS = {
    ShareLinkStatus.ACTIVE: lazy_pgettext("share link", "Active"),
    ShareLinkStatus.EXPIRED: lazy_pgettext("share link", "Expired"),
    ShareLinkStatus.REVOKED: lazy_pgettext("share link", "Revoked"),
}

# How a signer proved who they were just before signing (audit trail, certificate of completion).
SIGNATURE_METHOD_LABELS = {
    SignatureMethod.PASSWORD: _l("password"),
    SignatureMethod.IDENTITY_PROVIDER: _l("identity provider"),
}

ROLE_LABELS = {Role.HEAD: _l("Head"), Role.MEMBER: _l("Member")}

DIRECTION_LABELS = {
    Direction.HIGHER_IS_BETTER: _l("Higher is better"),
    Direction.LOWER_IS_BETTER: _l("Lower is better"),
}

CADENCE_LABELS = {
    1: _l("Monthly"),
    3: _l("Quarterly"),
    6: _l("Half-yearly"),
    12: _l("Yearly"),
}

FIELD_LABELS = {
    "title": _l("Title"),
    "service_standard": _l("Service standard"),
    "indicator": _l("Indicator"),
    "target": _l("Target"),
    "unit": _l("Unit"),
    "measurement_method": _l("How it is measured"),
    "measurement_frequency": _l("How often"),
    "customer_impact": _l("How this serves the end-customer criterion"),
    "prerequisite_ids": _l("Depends on"),
    "chosen_direction": _l("Direction of the target"),
    "tolerance": _l("Tolerance"),
    "position": _l("Position"),
    "review_cadence_months": _l("Review cadence"),
    "term_months": _l("Term"),
    "criterion": _l("End-customer criterion"),
    "criterion_id": _l("End-customer criterion"),
}

REVISION_ACTION_LABELS = {
    "created": _l("Charter opened"),
    "charter_updated": _l("Charter changed"),
    "commitment_added": _l("Commitment added"),
    "commitment_updated": _l("Commitment changed"),
    "commitment_removed": _l("Commitment removed"),
    "commitment_moved": _l("Commitment moved"),
    "expectation_added": _l("Expectation added"),
    "expectation_updated": _l("Expectation reworded"),
    "expectation_answered": _l("Expectation answered"),
    "expectation_declined": _l("Expectation declined"),
    "expectation_withdrawn": _l("Expectation withdrawn"),
    "proposal_made": _l("Change proposed"),
    "proposal_accepted": _l("Proposal accepted"),
    "proposal_rejected": _l("Proposal rejected"),
    "proposal_withdrawn": _l("Proposal withdrawn"),
    "commitment_agreed": _l("Commitment agreed"),
    "agreement_withdrawn": _l("Agreement withdrawn"),
    # "Keep mine" on a conflict: the save replaced a value someone else had saved.
    "charter_override": _l("Charter changed over another person's change"),
    "commitment_override": _l("Commitment changed over another person's change"),
}

EXPECTATION_STATUS_LABELS = {
    ExpectationStatus.OPEN: lazy_pgettext("expectation", "Open"),
    ExpectationStatus.ANSWERED: lazy_pgettext("expectation", "Answered"),
    ExpectationStatus.DECLINED: lazy_pgettext("expectation", "Declined"),
    ExpectationStatus.WITHDRAWN: lazy_pgettext("expectation", "Withdrawn"),
}

# The activity feed (the charter page's banner) adds what comments do to the revisions.
ACTIVITY_LABELS = {
    **REVISION_ACTION_LABELS,
    "comment_added": _l("Comment posted"),
    "comment_resolved": _l("Comment resolved"),
}


def revision_action_label(action: str) -> str:
    return str(REVISION_ACTION_LABELS.get(action, action))


def expectation_status_label(status: ExpectationStatus | str) -> str:
    return str(EXPECTATION_STATUS_LABELS[ExpectationStatus(status)])


def status_label(status: CharterStatus | str) -> str:
    return str(STATUS_LABELS[CharterStatus(status)])


def standing_label(standing: CharterStanding | Standing | str) -> str:
    """The reader's name for where a charter stands ("In force · amendment in progress")."""
    if isinstance(standing, CharterStanding):
        standing = standing.key
    return str(STANDING_LABELS[Standing(standing)])


def share_link_status_label(status: ShareLinkStatus | str) -> str:
    return str(SHARE_LINK_STATUS_LABELS[ShareLinkStatus(status)])


def signature_method_label(method: SignatureMethod | str | None) -> str:
    """The method's name; events and signatures from before methods were recorded: password."""
    return str(SIGNATURE_METHOD_LABELS[SignatureMethod(method or SignatureMethod.PASSWORD)])


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


def direction_label(direction: Direction | str) -> str:
    return str(DIRECTION_LABELS[Direction(direction)])


def cadence_label(months: int) -> str:
    return str(CADENCE_LABELS.get(months, months))


def term_label(months: int) -> str:
    """A charter's term: "12 months"."""
    return ngettext("%(num)d month", "%(num)d months", months)


def activity_label(action: str) -> str:
    """The reader's words for an action of the activity feed (its key when unknown)."""
    return str(ACTIVITY_LABELS.get(action, action))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def field_labels(names: str) -> str:
    """Turn a stored "title, review_cadence_months" into the reader's field names."""
    return ", ".join(field_label(n.strip()) for n in names.split(",") if n.strip())


# ---------------------------------------------------------------- reviews

REVIEW_STATUS_LABELS = {
    ReviewStatus.PLANNED: _l("Planned"),
    ReviewStatus.SCHEDULED: _l("Scheduled"),
    ReviewStatus.IN_PROGRESS: _l("In progress"),
    ReviewStatus.CLOSED: _l("Closed"),
    ReviewStatus.CANCELLED: _l("Cancelled"),
}

RESULT_LABELS = {
    AssessmentResult.MET: _l("Met"),
    AssessmentResult.PARTLY_MET: _l("Partly met"),
    AssessmentResult.MISSED: _l("Missed"),
    AssessmentResult.NOT_MEASURED: _l("Not measured"),
}

CAUSE_LABELS = {
    AssessmentCause.OWN_SIDE: _l("Own side"),
    AssessmentCause.OTHER_SIDE_PREREQUISITE: _l("A prerequisite the other side did not deliver"),
    AssessmentCause.OUTSIDE: _l("An outside cause"),
}

DECISION_LABELS = {
    ReviewDecision.CONTINUE: _l("Continue"),
    ReviewDecision.AMEND: _l("Amend the charter"),
    ReviewDecision.END: _l("End the charter"),
}

ACTION_STATUS_LABELS = {ActionStatus.OPEN: _l("Open"), ActionStatus.DONE: _l("Done")}


# A commitment's status computed from its readings (``models.measured``).
MEASURE_STATUS_LABELS = {
    "met": RESULT_LABELS[AssessmentResult.MET],
    "partly_met": RESULT_LABELS[AssessmentResult.PARTLY_MET],
    "missed": RESULT_LABELS[AssessmentResult.MISSED],
    "no_data": _l("No data"),
    "not_measured": RESULT_LABELS[AssessmentResult.NOT_MEASURED],
}


def measure_status_label(status: str) -> str:
    return str(MEASURE_STATUS_LABELS.get(str(status), status))


TARGET_DIRECTION_LABELS = {
    TargetDirection.AT_LEAST: _l("At least the target"),
    TargetDirection.AT_MOST: _l("At most the target"),
}


def field_value(name: str, value: object) -> object:
    """A stored field's value as a reader reads it (a diff): a chosen direction by its words."""
    if name == "chosen_direction" and value:
        return str(TARGET_DIRECTION_LABELS[TargetDirection(value)])
    return value


def target_label(direction: TargetDirection | str | None, target: str) -> str:
    """A target with its direction: "at least 95 %", "at most 48 h"."""
    if direction is None:
        return target
    if TargetDirection(direction) == TargetDirection.AT_MOST:
        return gettext("at most %(target)s", target=target)
    return gettext("at least %(target)s", target=target)


def review_status_label(status: ReviewStatus | str) -> str:
    return str(REVIEW_STATUS_LABELS[ReviewStatus(status)])


def result_label(result: AssessmentResult | str | None) -> str:
    return str(RESULT_LABELS[AssessmentResult(result)]) if result else "—"


def cause_label(cause: AssessmentCause | str | None) -> str:
    return str(CAUSE_LABELS[AssessmentCause(cause)] if cause else _l("Cause not given"))


def decision_label(decision: ReviewDecision | str | None) -> str:
    return str(DECISION_LABELS[ReviewDecision(decision)]) if decision else "—"


def action_status_label(status: ActionStatus | str) -> str:
    return str(ACTION_STATUS_LABELS[ActionStatus(status)])


# The survey's scores before a review, 1 to 5 (how satisfied one side is with the other).
SATISFACTION_LABELS = {
    1: _l("1 — not at all satisfied"),
    2: _l("2 — not very satisfied"),
    3: _l("3 — fairly satisfied"),
    4: _l("4 — satisfied"),
    5: _l("5 — fully satisfied"),
}


def satisfaction_label(score: int) -> str:
    return str(SATISFACTION_LABELS.get(score, score))


def owner_label(action: ActionItem) -> str:
    """Who owns an action: "Mia Martin (Logistique)", or the department alone for old ones."""
    if action.owner is None:
        return action.owner_department.name
    return gettext("%(person)s (%(department)s)", person=action.owner.name,
             department=action.owner_department.name)  # fmt: skip
