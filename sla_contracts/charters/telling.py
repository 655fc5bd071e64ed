"""Who hears of a charter's co-writing: the one place the drafting services tell people from.

Every event goes to the heads of both departments except the one who acted (nobody is told
about their own actions) through ``notifications.notify``, with ``obj=("charter", id)``, so the
inbox gets it at once and e-mails come coalesced per charter (``notifications.combined``).

**Mentions.** A comment mentions a person of either department (heads and members, active)
with ``@`` followed by their full name as the directory writes it ("@Hélène Marchand", what the
comment box's autocomplete inserts; case does not matter) or by their handle, the part of their
e-mail address before the "@" ("@helene.marchand"). The longest name wins ("@Marie Dupont-Roy"
is not "@Marie Dupont"). A mentioned person gets ``mentioned`` instead of ``comment_posted``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .. import notifications
from ..directory.queries import heads_of, members_of
from ..models import Charter, Comment, Commitment, User
from ..permissions import is_head_of

# A user's text in a message parameter is cut to this (the inbox line shortens it further).
EXCERPT = 300


def _others(people: Iterable[User], actor: User) -> list[User]:
    return [person for person in people if person.id != actor.id]


def pair_heads(charter: Charter, actor: User) -> list[User]:
    """The heads of both departments, the actor left out."""
    return _others(heads_of(charter.department_ids), actor)


def tell(
    kind: str,
    charter: Charter,
    actor: User,
    what: str,
    now: datetime,
    *,
    recipients: Iterable[User] | None = None,
    anchor: str = "",
    **params: Any,
) -> None:
    """Tell ``recipients`` (by default the pair's heads but the actor) that ``kind`` happened.

    ``what`` makes the event's key unique within the charter ("commitment:12:v3").
    """
    people = pair_heads(charter, actor) if recipients is None else _others(recipients, actor)
    if not people:
        return
    notifications.notify(
        kind,
        recipients=people,
        key=f"cowriting:charter:{charter.id}:{what}",
        link=f"/charters/{charter.id}" + (f"#{anchor}" if anchor else ""),
        params={"name": actor.name, "title": charter.title, **params},
        actor=actor,
        obj=("charter", charter.id),
        now=now,
    )


# ---------------------------------------------------------------- drafting


def draft_opened(charter: Charter, actor: User, now: datetime) -> None:
    """Tell the heads of the side(s) the actor does not head that a draft is open with them."""
    sides = [d for d in charter.department_ids if not is_head_of(actor, d)]
    tell("draft_opened", charter, actor, "opened", now, recipients=heads_of(sides))


def commitment_added(charter: Charter, commitment: Commitment, actor: User, now: datetime) -> None:
    tell(
        "commitment_added",
        charter,
        actor,
        f"commitment:{commitment.id}:added",
        now,
        anchor=f"commitment-{commitment.id}",
        commitment=commitment.title,
        commitment_id=commitment.id,
    )


def commitment_changed(
    charter: Charter, commitment: Commitment, actor: User, now: datetime
) -> None:
    tell(
        "commitment_changed",
        charter,
        actor,
        f"commitment:{commitment.id}:v{commitment.lock_version}",
        now,
        anchor=f"commitment-{commitment.id}",
        commitment=commitment.title,
        commitment_id=commitment.id,
    )


# ---------------------------------------------------------------- comments and mentions


def pair_members(charter: Charter) -> list[User]:
    """Everyone who may be mentioned on the charter: the active people of either side."""
    return members_of(charter.department_ids)


def handle(user: User) -> str:
    """A person's mention handle: their e-mail address before the "@"."""
    return user.email.split("@", 1)[0]


def mentioned_in(text: str, people: Iterable[User]) -> list[User]:
    """The people of ``people`` that ``text`` mentions (see the module), each once."""
    if "@" not in text:
        return []
    spellings: list[tuple[str, User]] = []
    for person in people:
        spellings.append((person.name, person))
        spellings.append((handle(person), person))
    # Longest first, so "@Marie Dupont-Roy" is not read as "@Marie Dupont".
    spellings.sort(key=lambda item: -len(item[0]))
    found: dict[int, User] = {}
    taken: list[tuple[int, int]] = []
    folded = text.casefold()
    for spelling, person in spellings:
        pattern = re.compile("@" + re.escape(spelling.casefold()) + r"(?![\w.-]*\w)")
        for match in pattern.finditer(folded):
            span = match.span()
            if any(start <= span[0] < end for start, end in taken):
                continue
            taken.append(span)
            found.setdefault(person.id, person)
    return list(found.values())


def comment_posted(charter: Charter, comment: Comment, actor: User, now: datetime) -> None:
    """Tell the pair's heads of a comment, and each person it mentions that they are."""
    excerpt = comment.body[:EXCERPT]
    anchor = f"comment-{comment.id}"
    mentioned = _others(mentioned_in(comment.body, pair_members(charter)), actor)
    told = {person.id for person in mentioned}
    what = f"comment:{comment.id}"
    if mentioned:
        tell("mentioned", charter, actor, f"{what}:mention", now, recipients=mentioned,
             anchor=anchor, excerpt=excerpt, comment_id=comment.id)  # fmt: skip
    heads = [head for head in pair_heads(charter, actor) if head.id not in told]
    if heads:
        tell("comment_posted", charter, actor, what, now, recipients=heads,
             anchor=anchor, excerpt=excerpt, comment_id=comment.id)  # fmt: skip


# ---------------------------------------------------------------- negotiation


def _department_name(charter: Charter, department_id: int) -> str:
    side = (
        charter.department_a if charter.department_a_id == department_id else charter.department_b
    )
    return side.name


def expectation_added(charter: Charter, expectation: Any, actor: User, now: datetime) -> None:
    """Tell the heads of the department an expectation is addressed to."""
    tell(
        "expectation_added",
        charter,
        actor,
        f"expectation:{expectation.id}:added",
        now,
        recipients=heads_of([expectation.to_department_id]),
        dept=_department_name(charter, expectation.from_department_id),
        expectation=expectation.text[:EXCERPT],
        expectation_id=expectation.id,
    )


def expectation_decided(charter: Charter, expectation: Any, actor: User, now: datetime) -> None:
    """Tell the pair's heads that an expectation was answered or declined (with the reason)."""
    status = getattr(expectation.status, "value", expectation.status)
    params: dict[str, Any] = {
        "expectation": expectation.text[:EXCERPT],
        "expectation_id": expectation.id,
    }
    if status == "answered":
        kind = "expectation_answered"
    elif status == "declined":
        kind = "expectation_declined"
        params["reason"] = expectation.decline_reason or ""
    else:  # withdrawn by the side that asked: nothing to tell
        return
    what = f"expectation:{expectation.id}:v{expectation.lock_version}"
    tell(kind, charter, actor, what, now, **params)


def proposal_made(charter: Charter, proposal: Any, actor: User, now: datetime) -> None:
    """Tell the heads of the department that owns the commitment a change is proposed."""
    commitment = proposal.commitment
    tell(
        "proposal_made",
        charter,
        actor,
        f"proposal:{proposal.id}:made",
        now,
        recipients=heads_of([commitment.provider_department_id]),
        anchor=f"commitment-{commitment.id}",
        commitment=commitment.title,
        commitment_id=commitment.id,
        proposal_id=proposal.id,
    )


def proposal_decided(charter: Charter, proposal: Any, actor: User, now: datetime) -> None:
    """Tell the pair's heads that a proposal was accepted or rejected (with the reason)."""
    status = getattr(proposal.status, "value", proposal.status)
    commitment = proposal.commitment
    params: dict[str, Any] = {
        "commitment": commitment.title,
        "commitment_id": commitment.id,
        "proposal_id": proposal.id,
    }
    if status == "accepted":
        kind = "proposal_accepted"
    elif status == "rejected":
        kind = "proposal_rejected"
        params["reason"] = proposal.reason or ""
    else:
        return
    tell(kind, charter, actor, f"proposal:{proposal.id}:{status}", now,
         anchor=f"commitment-{commitment.id}", **params)  # fmt: skip


def became_ready(charter: Charter, actor: User, was_ready: bool, is_ready: bool, now: datetime):
    """Tell the pair's heads when the actor's step made the draft ready to submit (every
    expectation answered or declined, every commitment agreed by both)."""
    if is_ready and not was_ready:
        tell("ready_to_submit", charter, actor, f"ready:{now.isoformat()}", now)
