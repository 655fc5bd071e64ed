"""The inbox over the API: the caller's messages, in their language, and marking them read.

Each message's ``text`` is the very line the inbox page shows (``notifications.render_text``,
in the caller's language: their ``locale``, else ``Accept-Language``). A caller sees only
their own messages: someone else's id is 404, like an id that does not exist.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from flask import request
from flask_babel import gettext as _

from .. import notifications
from ..models import Notification
from ..timeutil import utcnow
from ..transaction import atomic
from .auth import require_api_user
from .blueprint import bp, operation
from .pages import page_query
from .schemas import (
    Flag,
    Id,
    Int,
    Nested,
    PageArgs,
    PersonSchema,
    Schema,
    Text,
    When,
    page_of,
    path_id,
)


def _url(notification: Notification) -> str | None:
    link = notification.link or ""
    if not link.startswith("/") or link.startswith("//"):
        return None
    return urljoin(request.url_root, link.lstrip("/"))


def _object(notification: Notification) -> dict[str, Any]:
    return {
        "type": notification.object_type,
        "id": notification.object_id,
        "url": _url(notification),
    }


class NotificationObjectSchema(Schema):
    type = Text(
        required=True,
        allow_none=True,
        metadata={"description": "charter, review, action… (null for old messages)"},
    )
    id = Int(required=True, allow_none=True)
    url = Text(
        required=True,
        allow_none=True,
        metadata={"description": "The page of the web app to open (absolute URL), or null"},
    )


class NotificationSchema(Schema):
    id = Id(required=True)
    kind = Text(
        required=True,
        metadata={"description": "The message key: signature_requested, review_before…"},
    )
    object = Nested(NotificationObjectSchema, required=True, source=_object)
    actor = Nested(
        PersonSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Who did what the message tells, or null (reminders)"},
    )
    created_at = When(required=True)
    read_at = When(required=True, allow_none=True, metadata={"description": "null if unread"})
    text = Text(
        required=True,
        source=notifications.render_text,
        metadata={"description": "The inbox line, in the caller's language"},
    )


class InboxArgs(PageArgs):
    unread = Flag(metadata={"description": "1 to list only the unread messages"})


class ReadBodySchema(Schema):
    """Actions take no field: an empty body, ``{}`` or no body at all."""


class ReadAllSchema(Schema):
    marked = Int(
        required=True, minimum=0, metadata={"description": "How many messages were unread"}
    )


NotificationPage = page_of(NotificationSchema, "notifications", "NotificationPage")

NOTIFICATION_EXAMPLE = {
    "id": 12,
    "kind": "signature_requested",
    "object": {"type": "charter", "id": 7, "url": "https://reciproque.example/charters/7"},
    "actor": {"id": 4, "name": "Claire Dubois"},
    "created_at": "2027-01-04T09:00:00+00:00",
    "read_at": None,
    "text": "Claire Dubois a soumis la version 2 de « Logistique ⇄ Magasins » à signature.",
}


@bp.get("/notifications")
@operation(
    "The caller's inbox, newest first",
    who="anyone signed in (their own messages only)",
    tag="inbox",
    errors=(422,),
)
@bp.arguments(InboxArgs, location="query")
@bp.response(
    200,
    NotificationPage,
    example={"notifications": [NOTIFICATION_EXAMPLE], "next": None, "total": 1},
)
def list_notifications(args):
    query = notifications.inbox_query(require_api_user(), unread=args["unread"])
    return page_query(query, Notification.id, args, "notifications")


@bp.post("/notifications/<int:notification_id>/read")
@operation(
    "Mark one message read (again: no change)",
    who="the message's reader (anyone else: 404)",
    tag="inbox",
    errors=(400, 404, 422),
)
@bp.arguments(ReadBodySchema, required=False, example={})
@bp.response(
    200,
    NotificationSchema,
    example={**NOTIFICATION_EXAMPLE, "read_at": "2027-01-04T10:30:00+00:00"},
)
def read_notification(_data, notification_id: int):
    path_id(notification_id, _("No such message."))
    user = require_api_user()
    with atomic():
        notification = notifications.mark_read(user, notification_id, utcnow())
    return notification


@bp.post("/notifications/read-all")
@operation(
    "Mark every unread message read",
    who="anyone signed in (their own messages only)",
    tag="inbox",
    errors=(400, 422),
)
@bp.arguments(ReadBodySchema, required=False, example={})
@bp.response(200, ReadAllSchema, example={"marked": 3})
def read_all_notifications(_data):
    with atomic():
        marked = notifications.mark_all_read(require_api_user(), utcnow())
    return {"marked": marked}
