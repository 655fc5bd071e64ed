"""Coverage and silos over the API (issue 14): the declared dependent pairs, the silo index.

``GET``/``PUT /dependencies`` (administrators only; PUT replaces the whole set: a kept pair keeps
who declared it and when) and ``GET /silo-index`` (anyone signed in: company-wide shares only).
The set of pairs is not paginated: PUT takes what GET gives, and it is bounded by the square of
the number of departments. ``history`` is bounded: the last ``months`` stored months (24 by
default, at most 120), oldest first.
"""

from __future__ import annotations

from ..directory import silos
from ..directory.operations import require_admin
from ..timeutil import utcnow
from ..transaction import atomic
from .auth import require_api_user
from .blueprint import bp, operation
from .directory import _administrators_first
from .schemas import Id, Int, List, Nested, Number, QueryInt, QuerySchema, Schema, Text

PAIR = {"description": "Two department ids, in any order", "minItems": 2, "maxItems": 2}


class DependenciesSchema(Schema):
    pairs = List(
        List(Id(), metadata=PAIR),
        required=True,
        metadata={"description": "Every pair of departments that depend on each other"},
    )


class SiloFiguresSchema(Schema):
    dependent_pairs = Int(required=True, minimum=0)
    pairs_with_charter_in_force = Int(required=True, minimum=0)
    index = Number(
        required=True,
        allow_none=True,
        metadata={
            "description": "Share (0 to 1) of dependent pairs without a charter in force; "
            "null when no pair is declared"
        },
    )
    charters_in_force = Int(required=True, minimum=0)
    charters_review_late = Int(required=True, minimum=0)
    late_share = Number(
        required=True,
        allow_none=True,
        metadata={
            "description": "Share (0 to 1) of charters in force whose review is late; null "
            "when none is in force"
        },
    )


class SiloMonthSchema(SiloFiguresSchema):
    month = Text(
        required=True,
        source=lambda row: row.month.strftime("%Y-%m"),
        metadata={"description": "yyyy-mm; the current month follows the company until it ends"},
    )


class SiloIndexSchema(Schema):
    current = Nested(SiloFiguresSchema, required=True)
    history = List(Nested(SiloMonthSchema), required=True)


class SiloIndexArgs(QuerySchema):
    months = QueryInt(
        minimum=1,
        maximum=silos.HISTORY_MAX,
        load_default=silos.HISTORY_MONTHS,
        metadata={"description": f"How many stored months, the latest (1 to {silos.HISTORY_MAX})"},
    )


PAIRS_EXAMPLE = {"pairs": [[1, 2], [1, 3]]}
FIGURES_EXAMPLE = {
    "dependent_pairs": 4,
    "pairs_with_charter_in_force": 3,
    "index": 0.25,
    "charters_in_force": 3,
    "charters_review_late": 1,
    "late_share": 1 / 3,
}
INDEX_EXAMPLE = {
    "current": FIGURES_EXAMPLE,
    "history": [
        {"month": "2026-11", **FIGURES_EXAMPLE, "pairs_with_charter_in_force": 2, "index": 0.5},
        {"month": "2026-12", **FIGURES_EXAMPLE},
    ],
}


def _pairs(keys) -> dict:
    return {"pairs": [list(k) for k in sorted(keys)]}


@bp.get("/dependencies")
@operation(
    "The pairs of departments declared dependent on each other",
    who="administrators (others: 403)",
    tag="company",
    errors=(403,),
)
@_administrators_first
@bp.response(200, DependenciesSchema, example=PAIRS_EXAMPLE)
def get_dependencies():
    require_admin(require_api_user())
    return _pairs(p.key for p in silos.declared_pairs())


@bp.put("/dependencies")
@operation(
    "Replace the set of dependent pairs",
    who="administrators (others: 403)",
    tag="company",
    errors=(400, 403, 422),
    description="The whole set: pairs left out are no longer dependent. Each pair names two "
    "different existing departments, no pair twice (in either order); 422 names `pairs[i]`.",
)
@_administrators_first
@bp.arguments(DependenciesSchema, example=PAIRS_EXAMPLE)
@bp.response(200, DependenciesSchema, example=PAIRS_EXAMPLE)
def put_dependencies(data):
    actor = require_api_user()
    with atomic():
        kept = silos.replace_dependencies(actor, data["pairs"])
    return _pairs(kept)


@bp.get("/silo-index")
@operation(
    "The silo index now and month by month",
    who="anyone signed in",
    tag="company",
    errors=(422,),
)
@bp.arguments(SiloIndexArgs, location="query")
@bp.response(200, SiloIndexSchema, example=INDEX_EXAMPLE)
def get_silo_index(args):
    require_api_user()
    return {
        "current": silos.silo_state(utcnow().date()).company,
        "history": silos.company_history(args["months"]),
    }
