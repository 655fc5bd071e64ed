"""The monthly report's message (issue 14): sent to administrators and leadership on the first
working day of the month. Registered in the one registry of ``texts`` by being imported from
``notifications/__init__``."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import formats
from .texts import Params, message


def _month(p: Params) -> str:
    return formats.period(p["month"])


@message(
    "monthly_report",
    subject=lambda p: _("Report for leadership: %(month)s", month=_month(p)),
    body=lambda p: _(
        "The report for %(month)s is ready: %(in_force)s charters in force, %(signed)s signed, "
        "%(held)s reviews held and %(late)s late. Read it, with its PDF and its tables, here:",
        month=_month(p),
        in_force=formats.number(p.get("in_force", 0)),
        signed=formats.number(p.get("signed", 0)),
        held=formats.number(p.get("held", 0)),
        late=formats.number(p.get("late", 0)),
    ),
)
def _monthly_report(p: Params) -> str:
    return _("The report for leadership of %(month)s is ready.", month=_month(p))
