"""A charter's term through the API: ``POST /charters/{id}/renew`` (tag ``signing``).

The charter answers carry ``term_months``, ``valid_until`` and the status ``expired``
(``charter_schemas``); renewing calls ``signing.renewal.renew_charter``, the service of the
charter page's "Renew" button, once inside ``atomic()``.
"""

from __future__ import annotations

from ..models import Charter
from ..signing import renewal
from ..transaction import atomic
from .auth import loads, require_api_user
from .blueprint import bp, operation
from .charter_schemas import CHARTER_EXAMPLE, CharterSchema
from .charters import _charter, _full
from .etags import versioned

RENEWED_EXAMPLE = {
    **CHARTER_EXAMPLE,
    "status": "active",
    "amendment": {
        "version": 2,
        "status": "draft",
        "version_in_force": 1,
        "renewal": True,
    },
    "valid_until": "2027-11-05",
}


@bp.post("/charters/<int:charter_id>/renew")
@operation(
    "Open the renewal of a charter: a draft from the version in force",
    who="heads of either department (or an administrator); members: 403; others: 404",
    tag="signing",
    errors=(403, 404, 409),
    description="The body may be empty, or absent. The version in force keeps binding until "
    "both heads sign the renewal (submit, then sign, as any draft); signed, it starts a new "
    "term of term_months at the current valid_until, or at the signature day if the charter "
    "has expired meanwhile. An expired charter is renewed from its last signed version "
    "(status stays expired until the renewal is signed); an amendment already open becomes "
    "the renewal. 409 invalid_state for a draft never signed, a charter awaiting "
    "signatures, an ended one, or a renewal already open.",
)
@versioned
@loads("charter", _charter, write=True)
@bp.response(
    200,
    CharterSchema,
    description="The charter, its renewal open (`amendment.renewal` true)",
    example=RENEWED_EXAMPLE,
)
def renew_charter(charter: Charter):
    user = require_api_user()
    with atomic():
        renewal.renew_charter(user, charter)
    return _full(charter)
