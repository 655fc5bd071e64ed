"""How pages, messages, minutes and PDFs show times and numbers to people.

One format everywhere: the date, the time without seconds, and a short zone such as
"(heure de Paris)"; numbers and percentages in the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask import current_app
from flask_babel import format_date, format_decimal, format_time, get_locale
from flask_babel import gettext as _


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def zone_label() -> str:
    """A short name of the display time zone: "(heure de Paris)", "(Paris time)"."""
    zone = _zone()
    try:
        city = get_timezone_location(zone, locale=str(get_locale() or "fr"), return_city=True)
    except (LookupError, ValueError):  # pragma: no cover - unusual zone names
        city = zone.key
    return _("(%(city)s time)", city=city)


def when(value: datetime | None, width: str = "full", *, zone: bool = True) -> str:
    """A moment as people read it: "vendredi 11 décembre 2026, 09:00 (heure de Paris)"."""
    if value is None:
        return ""
    local = value.astimezone(_zone())
    text = _(
        "%(date)s, %(time)s",
        date=format_date(local.date(), width),
        time=format_time(local.time(), "short"),
    )
    return f"{text} {zone_label()}" if zone else text


def number(value: float | int | None) -> str:
    """3,5 in French, 3.5 in English; never "3.0"."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##")


def percent(value: float | int | None) -> str:
    """A percentage given from 0 to 100: "96,5 %" in French, "96.5%" in English."""
    if value is None:
        return "—"
    return _("%(number)s%%", number=format_decimal(value, format="#,##0.#"))


def share_met_help() -> str:
    """How the share of commitments met is counted (shown beside the figure)."""
    return _(
        "Commitments met: the commitments met, counting partly met ones as half, out of those "
        "measured at the review (commitments not measured are left out)."
    )
