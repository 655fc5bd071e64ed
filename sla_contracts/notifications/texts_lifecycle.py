"""Message texts of a charter's term: its end drawing near, its expiry, a renewal opened.

Registered in the one registry of ``texts`` with its ``@message`` decorator (imported by the
package, so every message is known before anything is told).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .texts import Params, _day, message


@message(
    "charter_expiring",
    subject=lambda p: _("“%(title)s” ends on %(date)s: renew it?", title=p["title"],
                        date=_day(p["day"])),
    reminder=True,  # snoozable, escalated like the other reminders (``params["day"]``: the end)
    label=_l("Reminders of a charter's end"),
)  # fmt: skip
def _charter_expiring(p: Params) -> str:
    return ngettext(
        "“%(title)s” is in force until %(date)s (%(num)d day left). Renew it from the charter "
        "page to keep it in force; otherwise it expires after that day.",
        "“%(title)s” is in force until %(date)s (%(num)d days left). Renew it from the charter "
        "page to keep it in force; otherwise it expires after that day.",
        p["days"],
        title=p["title"],
        date=_day(p["day"]),
    )


@message(
    "charter_expired",
    subject=lambda p: _("“%(title)s” has expired", title=p["title"]),
    label=_l("A charter's expiry"),
)
def _charter_expired(p: Params) -> str:
    if p.get("renewal_open"):
        return _(
            "“%(title)s” was in force until %(date)s and has expired: it no longer binds either "
            "side. Its renewal is still open: once both heads sign it, the charter is in force "
            "again.",
            title=p["title"],
            date=_day(p["day"]),
        )
    return _(
        "“%(title)s” was in force until %(date)s and has expired: it no longer binds either "
        "side, and its open review is cancelled. Its history is kept; renew it to put it in "
        "force again.",
        title=p["title"],
        date=_day(p["day"]),
    )


@message("renewal_opened")
def _renewal_opened(p: Params) -> str:
    return _(
        "%(name)s opened the renewal of “%(title)s”. The signed version stays as it is until "
        "both heads sign the renewal.",
        name=p["name"],
        title=p["title"],
    )
