"""What a person may do on a charter page, and how loudly each action is offered.

The charter page shows one primary action per state (submit a complete draft, sign, download
the signed PDF…), a few secondary ones beside it, the rest in a "more" menu, and destructive
ones (end, back to draft) last in that menu behind a confirmation. ``charter_actions`` is the
one place that decides it; an action the state forbids is never in its answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..charters.history import diff_snapshots, snapshot
from ..charters.negotiation import readiness
from ..charters.ownership import may_act_for
from ..models import Charter, CharterStatus, CharterVersion, Signature, User, charter_versions
from ..permissions import can_edit
from . import share_links
from .renewal import renewal_refusal
from .signatures import signing_departments
from .versions import valid_signatures

PRIMARY = "primary"  # the one thing this state asks of this person
SECONDARY = "secondary"  # beside it, quieter
MORE = "more"  # in the "more actions" menu
DANGER = "danger"  # last in the menu, behind a confirmation
# No longer in force: nothing to share (the history stays readable).
_CLOSED = (CharterStatus.ENDED, CharterStatus.EXPIRED)


@dataclass
class SigningPanel:
    """What the charter page shows about versions and signatures, for one person."""

    charter: Charter
    in_force: CharterVersion | None = None
    pending: CharterVersion | None = None
    signatures: list[Signature] = field(default_factory=list)
    awaited: list[str] = field(default_factory=list)
    can_sign: bool = False
    can_manage: bool = False
    can_submit: bool = False
    changes: object | None = None
    version_count: int = 0

    @property
    def pdf_version(self) -> CharterVersion | None:
        return self.pending or self.in_force


def build_panel(charter: Charter, user: User) -> SigningPanel:
    """Load the versions and signatures of ``charter`` as ``user`` sees them."""
    panel = SigningPanel(charter=charter)
    # The version in force and the one awaiting signatures, from the versions the charter's
    # standing was read from (one statement for both).
    for version in charter_versions(charter.id):
        if version.voided_at is not None or version.superseded_at is not None:
            continue
        if version.activated_at is not None:
            panel.in_force = version
        elif charter.status == CharterStatus.AWAITING_SIGNATURES:
            panel.pending = version
    mine = signing_departments(user, charter)
    if panel.pending is not None:
        panel.signatures = valid_signatures(panel.pending)
        signed = {s.department_id for s in panel.signatures}
        panel.awaited = [d.name for d in charter.sides if d.id not in signed]
        panel.can_sign = any(d not in signed for d in mine)
    panel.can_manage = can_edit(user, charter)
    panel.can_submit = charter.status == CharterStatus.DRAFT and bool(mine)
    if panel.in_force is not None and charter.status == CharterStatus.DRAFT:
        panel.changes = diff_snapshots(panel.in_force.data, snapshot(charter))
    return panel


@dataclass(frozen=True)
class Action:
    """One action offered on the charter page."""

    key: str
    label: str
    url: str
    weight: str
    method: str = "get"  # "post": a small form with the CSRF token
    confirm: str | None = None  # asked before a POST is sent (static/js/app.js)
    disabled_reason: str | None = None  # shown, not clickable, with why


def _missing_sides(charter: Charter, user: User) -> list:
    """The sides without a commitment, the ones ``user`` heads first."""
    missing = [d for d in charter.sides if not charter.commitments_by(d.id)]
    mine = set(signing_departments(user, charter))
    return sorted(missing, key=lambda d: d.id not in mine)


def charter_actions(
    charter: Charter, user: User, panel: SigningPanel | None = None
) -> list[Action]:
    """The actions ``user`` may take on ``charter`` now, each with its weight.

    At most one is ``PRIMARY``. ``panel`` spares the queries when the page already has it.
    """
    panel = panel or build_panel(charter, user)
    status = charter.status
    cid = charter.id
    manage = panel.can_manage
    actions: list[Action] = []
    primary_taken = False

    def add(key, label, url, weight, **kw) -> None:
        nonlocal primary_taken
        if weight == PRIMARY:
            if primary_taken:
                weight = SECONDARY
            primary_taken = True
        actions.append(Action(key, label, url, weight, **kw))

    if status == CharterStatus.DRAFT and manage:
        missing = _missing_sides(charter, user)
        if missing and may_act_for(user, missing[0].id)[0]:
            add(
                "add_commitment",
                _("Add a commitment of %(dept)s", dept=missing[0].name),
                url_for("charters.new_commitment", charter_id=cid, provider=missing[0].id),
                PRIMARY,
            )
        if panel.can_submit:
            if missing:
                add(
                    "submit",
                    _("Submit for signature"),
                    "",
                    SECONDARY,
                    disabled_reason=_(
                        "Each side must commit to at least one thing before the charter goes "
                        "to signature."
                    ),
                )
            elif not readiness(charter).is_ready:
                # The submit page lists what is open; the button says why it waits.
                add(
                    "submit",
                    _("Submit for signature"),
                    url_for("signing.submit", charter_id=cid),
                    SECONDARY,
                    disabled_reason=_(
                        "Every expectation must be answered or declined, and every commitment "
                        "agreed by both sides, before the charter goes to signature."
                    ),
                )
            else:
                add(
                    "submit",
                    _("Submit for signature"),
                    url_for("signing.submit", charter_id=cid),
                    PRIMARY,
                )
        add(
            "edit",
            _("Edit title, criterion, cadence"),
            url_for("charters.edit", charter_id=cid),
            SECONDARY,
        )
    if panel.can_sign:
        add(
            "sign",
            _("Sign version %(number)d", number=panel.pending.number),
            url_for("signing.sign", charter_id=cid),
            PRIMARY,
        )
    if manage and panel.in_force is not None and renewal_refusal(charter) is None:
        # The primary action of an expired charter; beside the PDF near the end of the term.
        lapsed = status == CharterStatus.EXPIRED
        add(
            "renew",
            _("Renew") if status != CharterStatus.DRAFT else _("Make this draft the renewal"),
            url_for("signing.renew", charter_id=cid),
            PRIMARY if lapsed else SECONDARY if status == CharterStatus.ACTIVE else MORE,
            method="post",
            confirm=_(
                "Open the renewal? A draft starts from the signed version; it starts a new term "
                "once both heads sign it."
            ),
        )
    if panel.pdf_version is not None:
        # The primary action when nothing else is asked of this person.
        amending = status == CharterStatus.DRAFT
        add(
            "pdf",
            _("Download the signed PDF (version %(number)d)", number=panel.in_force.number)
            if amending
            else _("Download the PDF"),
            url_for("signing.version_pdf", charter_id=cid, number=panel.pdf_version.number),
            PRIMARY,
        )
    if panel.in_force is not None and manage and status not in _CLOSED:
        # Beside the PDF when in force; in the menu while an amendment is drafted.
        weight = SECONDARY if status == CharterStatus.ACTIVE else MORE
        live = share_links.active_count(charter)
        label = (
            ngettext("Share links (%(num)d active)", "Share links (%(num)d active)", live)
            if live
            else _("Share links")
        )
        add("share", label, url_for("signing.share", charter_id=cid), weight)
    if manage and status == CharterStatus.ACTIVE:
        add(
            "amend",
            _("Amend"),
            url_for("signing.amend", charter_id=cid),
            SECONDARY,
            method="post",
            confirm=_(
                "Open an amendment? The signed version stays in force until both heads sign "
                "the new one."
            ),
        )
    add("history", _("History"), url_for("charters.history", charter_id=cid), MORE)
    add("versions", _("Versions"), url_for("signing.versions", charter_id=cid), MORE)
    add("audit", _("Audit trail"), url_for("signing.audit", charter_id=cid), MORE)
    if panel.pending is not None and manage:
        add(
            "reopen",
            _("Back to draft to change it"),
            url_for("signing.reopen", charter_id=cid),
            DANGER,
            method="post",
            confirm=_("Back to draft? The signatures already given will be void."),
        )
    # Only what has been in force can end; its page asks for a reason and confirms.
    if manage and panel.in_force is not None and status != CharterStatus.ENDED:
        add("end", _("End the charter"), url_for("signing.end", charter_id=cid), DANGER)
    return actions
