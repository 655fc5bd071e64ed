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
go through these functions.

Numbers follow the reader's language through Babel (``number``, ``percent``, ``measure``: "91,6 %"
with Babel's no-break space in French, "91.6%" in English), and ``parse_number`` is the one reader
of typed numbers, with either separator. Names are sorted with ``collate`` / ``sort_key`` (the
Unicode Collation Algorithm), never by code point.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

import pyuca
from babel import Locale
from babel.dates import format_timedelta, get_timezone_location
from babel.lists import format_list
from flask import current_app
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _

from . import periods
from .measures import parse_number  # noqa: F401  (the one reader of typed numbers)

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


def number(value: object, decimals: int = 2) -> str:
    """A number in the reader's language, at most ``decimals`` decimals: 3,5 / 3.5, never "3.0".

    Takes a number or a typed text ("91,605"); a text that is no number is shown as typed.
    """
    if value is None or value == "":
        return "—"
    parsed = parse_number(value)
    if parsed is None:
        return str(value)
    return _formatted(Decimal(str(parsed)), decimals, "decimal")


def percent(value: object, decimals: int = 1) -> str:
    """A percentage given from 0 to 100 with Babel's sign and spacing: "91,6 %" / "91.6%"."""
    if value is None or value == "":
        return "—"
    parsed = parse_number(value)
    if parsed is None:
        return str(value)
    # As Babel reads it: the share as a float's text, scaled by 100.
    return _formatted(Decimal(str(parsed / 100)) * 100, decimals, "percent")


@dataclass(frozen=True)
class _Shape:
    group: str
    decimal: str
    minus: str
    prefix: str
    suffix: str


@cache
def _shape(name: str, kind: str) -> _Shape:
    """The reader's symbols and, for a percentage, what surrounds the digits ("91,6 %")."""
    locale = Locale.parse(name)
    symbols = locale.number_symbols["latn"]
    prefix = suffix = ""
    if kind == "percent":
        prefix, _digits, suffix = locale.percent_formats[None].pattern.partition("#,##0")
        suffix = suffix.replace("%", symbols["percentSign"])
    return _Shape(symbols["group"], symbols["decimal"], symbols["minusSign"], prefix, suffix)


def _formatted(amount: Decimal, decimals: int, kind: str) -> str:
    """What Babel's "#,##0.##" patterns give, without parsing a pattern for each number.

    A page formats hundreds of readings; Babel's ``format_decimal`` took a fifth of the
    charter page's time. Rounded half to even at ``decimals`` as Babel does; trailing zeros
    dropped. tests/test_number_formats.py compares it with Babel on many values.
    """
    shape = _shape(str(get_locale() or "fr"), kind)
    text = format(amount, f",.{decimals}f")
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\0").replace(".", shape.decimal).replace("\0", shape.group)
    return f"{shape.minus if negative else ''}{shape.prefix}{text}{shape.suffix}"


def measure(value: object, unit: str = "", decimals: int = 2) -> str:
    """A measured value, target or threshold with its unit: "91,6 %", "15 minutes", "≥ 95 %".

    A number (or a typed one) is formatted for the reader, in percent when the unit is "%";
    text that is not a number ("≥ 95") is kept as typed. Empty gives "—".
    """
    unit = (unit or "").strip()
    if value is None or str(value).strip() == "":
        return "—"
    parsed = parse_number(value)
    if parsed is None:
        return f"{str(value).strip()} {unit}".strip()
    if unit == "%":
        return percent(parsed, decimals)
    shown = number(parsed, decimals)
    return f"{shown}\u00a0{unit}" if unit else shown


# ---------------------------------------------------------------- sorting names

T = TypeVar("T")


@cache
def _collator() -> pyuca.Collator:
    return pyuca.Collator()


def sort_key(text: object) -> tuple:
    """The reader's collation key of a name: "Hélène" before "Hugo", "émile" beside "Emile".

    The Unicode Collation Algorithm's default table (pyuca), which is the CLDR order of both
    French and English (neither tailors it), so one key serves every reader.
    """
    return _collator().sort_key(unicodedata.normalize("NFC", str(text or "")))


def collate(items: Iterable[T], key: Callable[[T], object] = str) -> list[T]:
    """``items`` sorted by the reader's collation of ``key(item)`` (names, titles)."""
    return sorted(items, key=lambda item: sort_key(key(item)))


def and_list(items: Iterable[str]) -> str:
    """Parts joined as the reader's language does: "a, b and c" / "a, b et c"."""
    return format_list(list(items), locale=str(get_locale() or "fr"))


def ago(value: datetime, now: datetime) -> str:
    """How long ago ``value`` was, in words: "10 minutes ago" / "il y a 10 minutes"."""
    return format_timedelta(
        value - now, add_direction=True, threshold=1, locale=str(get_locale() or "fr")
    )


def period(key: str) -> str:
    """A reading's period as people say it: "février 2027", "semaine 3 de 2027", "T1 2027"."""
    return _period(str(get_locale() or "fr"), key)


@lru_cache(maxsize=4096)
def _period(_locale: str, key: str) -> str:
    """``period`` in one language (the key of the cache: a page names the same periods often)."""
    kind = periods.kind_of_key(key)
    if kind is None:
        return key
    start = periods.parse(key, kind, today=date.max).start
    if kind == periods.PeriodKind.MONTH:
        return format_date(start, "LLLL y")
    if kind == periods.PeriodKind.WEEK:
        year, week, _weekday = start.isocalendar()
        return _("week %(num)s of %(year)s", num=week, year=year)
    return _("Q%(num)s %(year)s", num=(start.month - 1) // 3 + 1, year=start.year)


def next_review(due_on: date | None, scheduled_at: datetime | None = None) -> str:
    """The one sentence about a review to come, the same on the charter and the review pages:
    "meeting booked on 2 December 2026 at 10:00 (due by 1 March 2027)" or "due by 1 March 2027,
    no meeting booked yet" (the meeting in the display time zone)."""
    if due_on is None:
        return ""
    due = day(due_on, "long")
    if scheduled_at is None:
        return _("due by %(day)s, no meeting booked yet", day=due)
    at = local(scheduled_at)
    return _(
        "meeting booked on %(date)s at %(time)s (due by %(day)s)",
        date=day(at.date(), "long"),
        time=format_time(at.time(), TIME_PATTERN),
        day=due,
    )


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
