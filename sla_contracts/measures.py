"""Targets that can be computed (issue 13, point 2): a number, a direction, a tolerance.

A commitment's target is typed as text ("≥ 98 %", "48", "moins de 2 h", "zéro défaut"). When
the text holds one number, that number is the target; the direction is the one chosen, else the
one the text says ("≥", "au moins", "at most"…), else the indicator's words (a delay, a rate of
errors, incidents or complaints is kept low: at most), else "at least". The tolerance is how far
from the target still counts as partly met: chosen, else 5 % of the target. A text without one
number ("zéro défaut", "selon planning") stays allowed and is not measured.

Pure functions: no database, no Flask. ``parse_number`` is the one reader of typed numbers
(``formats`` shows them back in the reader's language).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from functools import cache, lru_cache

DEFAULT_TOLERANCE_SHARE = 0.05


class TargetDirection(enum.StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class Outcome(enum.StrEnum):
    """How a reading compares with its target (the names of the API's ``status_computed``)."""

    MET = "met"
    PARTLY_MET = "partly_met"
    MISSED = "missed"


def parse_number(value: object) -> float | None:
    """Read a number as a person types it: "91,6", "92.35", "1 234,5", "1,234.5", "95 %".

    The one parser of typed numbers (pages, CSV files, the API's text fields, the review
    meeting). Either separator is the decimal one; when both appear, the last one is, and the
    other groups thousands. Spaces (also Babel's no-break ones) and a final "%" are ignored.
    None when the text is not a number.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value == value and abs(value) != float("inf") else None
    text = str(value).strip().removesuffix("%")
    text = re.sub(r"[\s\u00a0\u202f']", "", text)
    if "," in text and "." in text:
        grouping = "," if text.rfind(",") < text.rfind(".") else "."
        text = text.replace(grouping, "")
    text = text.replace(",", ".")
    if not _NUMBER_RE.fullmatch(text):
        return None
    return float(text)


_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
# One number in a target's text, with either separator and grouping spaces ("1 000,5").
_NUMBER_IN_TEXT = re.compile(r"\d[\d\s\u00a0\u202f]*(?:[.,]\d+)?")

# Words, accents and case removed, that say which way a target goes.
_AT_MOST_MARKS = ("≤", "<=", "<", "au plus", "au maximum", "maximum", "moins de",
                  "inferieur", "at most", "no more than", "less than", "under", "below", "within",
                  "sous", "en moins de")  # fmt: skip
_AT_LEAST_MARKS = ("≥", ">=", ">", "au moins", "minimum", "plus de", "superieur",
                   "at least", "no less than", "more than", "over", "above")  # fmt: skip
# An indicator that counts what should stay low: delays, lateness, errors, incidents…
_AT_MOST_WORDS = ("delai", "retard", "erreur", "incident", "reclamation", "plainte", "defaut",
                  "rupture", "litige", "retour", "attente", "duree", "temps de", "panne", "ecart",
                  "backlog", "delay", "late", "error", "incident", "complaint", "defect", "return",
                  "wait", "time to", "lead time", "outage", "stockout", "dispute", "turnaround",
                  "resolution time", "response time")  # fmt: skip


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def target_value(text: str) -> float | None:
    """The number a target's text holds ("≥ 98,5 %" → 98.5), None unless it holds exactly one."""
    numbers = _NUMBER_IN_TEXT.findall(text or "")
    if len(numbers) != 1:
        return None
    return parse_number(numbers[0])


# One pattern for every mark, the longest first ("moins de" before "moins", "<=" before "<").
_MARKS = {m: TargetDirection.AT_MOST for m in _AT_MOST_MARKS} | {
    m: TargetDirection.AT_LEAST for m in _AT_LEAST_MARKS
}
_MARK_RE = re.compile(
    "(?<![a-z])("
    + "|".join(re.escape(m) for m in sorted(_MARKS, key=len, reverse=True))
    + ")(?![a-z])"
)


@cache
@lru_cache(maxsize=4096)  # the company map asks it for every measured commitment
def guess_direction(target: str, indicator: str = "") -> TargetDirection:
    """Which way a target goes when nobody chose: what its text says, else its indicator's words."""
    found = _MARK_RE.search(_fold(target))
    if found is not None:
        return _MARKS[found.group(1)]
    words = _fold(indicator)
    if any(word in words for word in _AT_MOST_WORDS):
        return TargetDirection.AT_MOST
    return TargetDirection.AT_LEAST


def tolerance_of(target: float, tolerance: float | None) -> float:
    """The distance from the target that still counts as partly met (default 5 % of it)."""
    if tolerance is not None:
        return abs(tolerance)
    return abs(target) * DEFAULT_TOLERANCE_SHARE


def outcome(
    value: float, target: float, direction: TargetDirection, tolerance: float | None = None
) -> Outcome:
    """Met, partly met (within the tolerance on the wrong side) or missed."""
    slack = tolerance_of(target, tolerance)
    gap = value - target if direction == TargetDirection.AT_LEAST else target - value
    if gap >= 0:
        return Outcome.MET
    if -gap <= slack + 1e-9:
        return Outcome.PARTLY_MET
    return Outcome.MISSED
