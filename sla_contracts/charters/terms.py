"""A charter's term: how many months a signed version stays in force (12 by default).

The term is chosen at drafting (the new-charter page, the edit form, the API's create and
patch) and frozen with the version. When a version comes into force, ``signing`` sets the
charter's ``valid_until`` from it (see ``ends_on``); ``valid_until`` is the last day in force.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from ..labels import term_label
from ..models import CHARTER_TERMS, Charter
from ..timeutil import add_months, utcnow


def clean_term(value: Any) -> int:
    """The term in months, one of ``CHARTER_TERMS`` (422 on ``term_months`` otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in CHARTER_TERMS:
        raise ValidationError(
            _(
                "The term must be one of %(terms)s months.",
                terms=", ".join(str(t) for t in CHARTER_TERMS),
            ),
            field="term_months",
        )
    return value


def term_choices() -> list[tuple[int, str]]:
    """The terms a form offers, as (months, "12 months")."""
    return [(months, term_label(months)) for months in CHARTER_TERMS]


def ends_on(start: date, term_months: int) -> date:
    """The last day in force of a term of ``term_months`` starting on ``start``."""
    return add_months(start, term_months)


def valid_until(charter: Charter, today: date | None = None) -> date:
    """The charter's last day in force; a never-signed draft: what signing today would give."""
    if charter.valid_until is not None:
        return charter.valid_until
    return ends_on(today or utcnow().date(), charter.term_months or 12)
