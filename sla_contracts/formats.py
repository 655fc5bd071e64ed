"""How pages, messages, minutes, PDFs and charts show dates, times and numbers to people.

Dates read the same way in both languages, day first, the month in words, so no reader has to
guess which number is the month (Babel's "short" and "medium" for English are US, "12/1/26"):

- ``day(value, "long")``: "1 March 2027" / "1 mars 2027";
- ``day(value)`` (short and medium): "1 Mar 2027" / "1 mars 2027" (Babel's abbreviated month,
  so "1 janv. 2027" in French: French keeps the month in words too, never "01/03/2027");
- ``day(value, "full")``: "Monday 1 March 2027" / "lundi 1 mars 2027";
- ``moment(value)``: the date in the display time zone, a comma, the 24-hour time without
  seconds: "1 Mar 2027, 09:30" / "1 mars 2027, 09:30"; ``when`` adds the zone, "(Paris time)".

The patterns are Babel date patterns (one table, ``DATE_PATTERNS``), given to ``format_date`` in
the reader's locale; the template filters ``d`` and ``dt`` and every message, minutes and PDF
go through these functions. Numbers and percentages follow the reader's language.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask import current_app
from flask_babel import format_date, format_decimal, format_time, get_locale
from flask_babel import gettext as _

DATE_PATTERNS = {
    "full": "EEEE d MMMM y",
    "long": "d MMMM y",
    "medium": "d MMM y",
    "short": "d MMM y",
}
TIME_PATTERN = "HH:mm"


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def local(value: datetime) -> datetime:
    """``value`` (aware, UTC in the database) in the display time zone."""
    return value.astimezone(_zone())


def local_date(value: datetime) -> date:
    """The calendar day ``value`` falls on for the reader (not the UTC day)."""
    return local(value).date()


def day(value: date | datetime | None, width: str = "medium") -> str:
    """A day as people read it: "1 Mar 2027", "1 March 2027" (``long``), see the module."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_date(value)
    return format_date(value, DATE_PATTERNS.get(width, DATE_PATTERNS["medium"]))


def moment(value: datetime | None, width: str = "short") -> str:
    """A date and time in the display time zone: "1 Mar 2027, 09:30" (no zone name)."""
    if value is None:
        return ""
    at = local(value)
    time = format_time(at.time(), TIME_PATTERN)
    return _("%(date)s, %(time)s", date=day(at.date(), width), time=time)


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
    text = moment(value, width)
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


def file_name(*parts: object, extension: str = "pdf") -> str:
    """A download's name from readable parts: "charte-12-logistique-magasins-v1.pdf".

    Lower-case ASCII words joined by hyphens, so it is safe in every browser, mail client and
    file system; the caller passes words already in the reader's language.
    """
    words = "-".join(str(part) for part in parts if part not in (None, ""))
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:120].strip("-")
    return f"{slug or 'document'}.{extension}"
