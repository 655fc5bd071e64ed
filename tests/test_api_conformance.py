"""The API against its own document, with schemathesis: every operation, as a department head
and as an administrator, with generated valid and invalid input.

For each operation, examples are drawn half with random path ids and half with the ids of real
objects (a draft, a signed charter, its commitments, a comment, a review, version 1 and its
fingerprint), so the answers checked are not only 404s. Checks on every answer: no 5xx, the
status is documented, the content type and headers are as documented, the JSON matches the
documented schema, and input that breaks the schema is refused (4xx). Not checked:
schemathesis' "positive data accepted", because a body valid for the schema may still break
a rule of the domain (a department the caller does not head, a charter already signed) and
be refused with a documented 4xx.

The run is deterministic (``derandomize``); CONFORMANCE_EXAMPLES sets the examples per
operation and mode (default 12). The figures appear at the end of ``make test``.
"""

from __future__ import annotations

import os
from collections import Counter

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sla_contracts.extensions import db
from sla_contracts.models import Comment
from tests.api_helpers import token_for

from .signing_helpers import sign_both

EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _known_objects(org, make_charter, started_review) -> dict[str, object]:
    """Path parameters naming real objects the caller may see."""
    draft = make_charter("Brouillon", commitments=(1, 1))
    signed = make_charter("Signée", commitments=(1, 1))
    version = sign_both(org, signed)
    comment = Comment(charter_id=draft.id, author_id=org.head_a.id, body="Une remarque")
    db.session.add(comment)
    db.session.commit()
    return {
        "charter_id": draft.id,
        "commitment_id": draft.commitments[0].id,
        "comment_id": comment.id,
        "review_id": started_review.id,
        "number": 1,
        "fingerprint": version.fingerprint,
    }


def _describe(error: BaseException) -> str:
    """Schemathesis' own account of a failure (its message names the check and the curl)."""
    parts = [str(error)]
    for sub in getattr(error, "exceptions", ()):
        parts.append(str(sub))
    return "\n".join(parts)[:4000]


def _runner(strategy, label: str, cases: Counter, headers_for):
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def run(case):
        cases[label] += 1
        headers = headers_for(label)
        response = case.call(headers=headers)
        db.session.rollback()  # the app's session is this test's: read fresh each time
        case.validate_response(response, checks=CHECKS, headers=headers)

    return run


@pytest.mark.parametrize("role", ["head", "admin"])
def test_every_operation_answers_as_documented(
    role, app, org, make_charter, started_review, record_property
):
    known = _known_objects(org, make_charter, started_review)
    user = org.head_a if role == "head" else org.admin
    headers = {"Authorization": f"Bearer {token_for(user)}"}

    def headers_for(label: str) -> dict[str, str]:
        # Revoking "the current token" would end the run: that operation gets its own.
        if label == "DELETE /api/v1/tokens/current":
            return {"Authorization": f"Bearer {token_for(user)}"}
        return headers

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    failures: list[str] = []
    cases: Counter[str] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        label = f"{operation.method.upper()} {operation.path}"
        names = {p.name for p in operation.path_parameters}
        fixed = {name: value for name, value in known.items() if name in names}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies = [operation.as_strategy(generation_mode=mode)]
            if fixed and mode == GenerationMode.POSITIVE:
                strategies.append(
                    operation.as_strategy(generation_mode=mode, path_parameters=fixed)
                )

            run = _runner(st.one_of(strategies), label, cases, headers_for)
            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                # No parameter and no body: there is no invalid input to send.
                assert mode == GenerationMode.NEGATIVE, label
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001  (collect all)
                failures.append(f"{label} ({mode.value}): {_describe(error)}")

    total = sum(cases.values())
    record_property(
        "schemathesis",
        f"{role}: {operations} operations, {total} cases, {len(failures)} failing",
    )
    assert operations >= 25
    assert failures == [], "\n\n".join(failures)
