"""What changed on a charter, by whom and when: the feed the charter page's banner shows.

``GET /api/v1/charters/{id}/activity?since=…`` answers the items of ``charters.activity``
(revisions, comments, comments resolved) newest first, a cursor page like every list.
"""

from __future__ import annotations

from ..charters import activity as feed
from .auth import loads
from .blueprint import bp, operation
from .charters import WHO_READS, _charter
from .pages import page_keyset
from .schemas import Int, Nested, PageArgs, PersonSchema, Schema, Text, When, page_of

ACTIVITY_EXAMPLE = {
    "at": "2027-03-01T09:30:00+00:00",
    "actor": {"id": 7, "name": "Hélène Marchand"},
    "action": "commitment_updated",
    "summary": "Livrer chaque magasin avant 7 h",
    "object_type": "commitment",
    "object_id": 12,
}


class ActivityArgs(PageArgs):
    since = When(
        metadata={
            "description": "Only what happened after this instant (ISO 8601 with its offset); "
            "all of it without"
        }
    )


class ActivityItemSchema(Schema):
    """One change: when, who, what, on which object."""

    at = When(required=True)
    actor = Nested(
        PersonSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Who did it (null: a person since removed, or the system)"},
    )
    action = Text(
        required=True,
        metadata={
            "description": "A revision's action (created, charter_updated, commitment_added, "
            "commitment_updated, commitment_removed, commitment_moved, expectation_added, "
            "expectation_answered, expectation_declined, expectation_withdrawn, proposal_made, "
            "proposal_accepted, proposal_rejected, commitment_agreed, …), comment_added or "
            "comment_resolved"
        },
    )
    summary = Text(
        required=True,
        metadata={
            "description": "What it was about: a commitment's title, the fields changed, "
            "the beginning of a comment"
        },
    )
    object_type = Text(required=True, metadata={"description": "charter, commitment, comment, …"})
    object_id = Int(required=True, minimum=1)


ActivityPage = page_of(ActivityItemSchema, "activity", "ActivityPage")


@bp.get("/charters/<int:charter_id>/activity")
@operation(
    "What changed on a charter, by whom and when, newest first",
    who=WHO_READS,
    tag="charters",
    errors=(404, 422),
    description="The feed of the charter page's live banner: every saved change (the "
    "revisions), every comment posted and resolved. `since` keeps what happened after it.",
)
@loads("charter", _charter)
@bp.arguments(ActivityArgs, location="query")
@bp.response(200, ActivityPage, example={"activity": [ACTIVITY_EXAMPLE], "next": None, "total": 1})
def list_activity(args, charter):
    since = args.get("since")
    return page_keyset(
        lambda after, limit: feed.activity(charter.id, since=since, limit=limit, after=after),
        lambda: feed.count_activity(charter.id, since=since),
        args,
        "activity",
        read_position=feed.parse_position,
    )
