"""A commitment's chosen direction and tolerance (issue 13, point 2), as co-writing sets them.

Both are optional: no direction means "taken from the target" (``measures.guess_direction``),
no tolerance means 5 % of the target. The form, the API and the services read them here, so a
typed "2,5" and a JSON 2.5 give the same tolerance and the same message when it is wrong.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from ..measures import TargetDirection, parse_number

MEASURE_FIELDS = ("chosen_direction", "tolerance")


def _direction(value: Any) -> TargetDirection | None:
    if value is None or value == "":
        return None
    try:
        return TargetDirection(value)
    except ValueError:
        raise ValidationError(
            _("Choose at least, at most, or taken from the target."), field="chosen_direction"
        ) from None


def _tolerance(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = parse_number(value)
    if number is None:
        raise ValidationError(
            _("Enter the tolerance as a number, e.g. 2,5 (or leave it empty)."), field="tolerance"
        )
    if number < 0:
        raise ValidationError(_("The tolerance cannot be negative."), field="tolerance")
    return number


def clean_measure_fields(data: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    """The chosen direction and tolerance of ``data`` (with ``partial``, only those present)."""
    cleaned: dict[str, Any] = {}
    if not partial or "chosen_direction" in data:
        cleaned["chosen_direction"] = _direction(data.get("chosen_direction"))
    if not partial or "tolerance" in data:
        cleaned["tolerance"] = _tolerance(data.get("tolerance"))
    return cleaned
