"""Translated labels for version states and audit actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

VERSION_STATE_LABELS = {
    "awaiting_signatures": _l("Awaiting signatures"),
    "in_force": _l("In force"),
    "superseded": _l("Superseded"),
    "voided": _l("Void"),
    "ended": _l("Last signed (charter ended)"),
}

AUDIT_ACTION_LABELS = {
    "created": _l("Created"),
    "edited": _l("Edited"),
    "submitted": _l("Submitted for signature"),
    "signed": _l("Signed"),
    "voided": _l("Version voided"),
    "activated": _l("In force (both signed)"),
    "amended": _l("Amendment opened"),
    "ended": _l("Ended"),
    "exported": _l("Exported"),
    "share_revoked": _l("Share link revoked"),
}


def version_state_label(state: str) -> str:
    return str(VERSION_STATE_LABELS.get(state, state))


def version_state(version, charter) -> str:
    """A version's state as a reader sees it: the last signed version of an ended charter is
    no longer in force."""
    state = version.state
    if state == "in_force" and charter.status.value == "ended":
        return "ended"
    return state


def audit_action_label(action: str) -> str:
    return str(AUDIT_ACTION_LABELS.get(action, action))
