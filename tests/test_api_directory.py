"""Departments and criteria over the API: everyone reads, administrators add."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sla_contracts.extensions import db
from sla_contracts.models import CustomerCriterion, Department
from sla_contracts.timeutil import utcnow
from tests.api_helpers import assert_error, check_response


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_departments_list_hides_archived_unless_asked(org, api_as):
    org.it.archived_at = utcnow()
    db.session.commit()
    api = api_as(org.member_a)
    response = api.get("/api/v1/departments")
    assert response.status_code == 200
    check_response(response, "get", "/api/v1/departments")
    codes = {d["code"]: d for d in response.get_json()["departments"]}
    assert set(codes) == {"LOG", "MAG"}
    assert codes["LOG"]["heads"] == [{"id": org.head_a.id, "name": "Alice Head"}]
    assert codes["LOG"]["archived"] is False

    response = api.get("/api/v1/departments?include_archived=1")
    codes = {d["code"]: d for d in response.get_json()["departments"]}
    assert set(codes) == {"LOG", "MAG", "DSI"}
    assert codes["DSI"]["archived"] is True
    assert codes["DSI"]["archived_at"] is not None


def test_include_archived_must_be_a_flag(org, api_as):
    response = api_as(org.member_a).get("/api/v1/departments?include_archived=maybe")
    assert_error(response, 422, "validation_error", "include_archived")


def test_criteria_list_hides_archived_unless_asked(org, api_as, make_criterion):
    old = make_criterion("Old NPS")
    old.archived_at = utcnow()
    db.session.commit()
    api = api_as(org.member_b)
    response = api.get("/api/v1/criteria")
    assert response.status_code == 200
    check_response(response, "get", "/api/v1/criteria")
    criteria = response.get_json()["criteria"]
    assert [c["name"] for c in criteria] == ["Shelf out-of-stock rate"]
    assert criteria[0]["direction"] == "lower_is_better"
    assert criteria[0]["target"] == 2.0
    assert criteria[0]["archived"] is False
    everything = api.get("/api/v1/criteria?include_archived=true").get_json()["criteria"]
    assert {c["name"]: c["archived"] for c in everything} == {
        "Old NPS": True,
        "Shelf out-of-stock rate": False,
    }


def test_admin_adds_a_department(org, api_as):
    response = api_as(org.admin).post("/api/v1/departments", json={"name": "Achats", "code": "ach"})
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", "/api/v1/departments")
    body = response.get_json()
    assert body["code"] == "ACH"
    assert db.session.get(Department, body["id"]).name == "Achats"


@pytest.mark.parametrize("who", ["head_a", "member_a", "outsider"])
def test_only_admins_add_departments(org, api_as, who):
    before = _count(Department)
    response = api_as(getattr(org, who)).post(
        "/api/v1/departments", json={"name": "Achats", "code": "ACH"}
    )
    assert_error(response, 403, "forbidden")
    assert _count(Department) == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "Achats"}, "code"),
        ({"name": "Achats", "code": "ACH", "colour": "red"}, "colour"),
        ({"name": "Achats", "code": 12}, "code"),
        ({"name": "", "code": "ACH"}, "name"),
        ({"name": "Achats", "code": "LOG"}, "code"),
        ({"name": "Logistique", "code": "NEW"}, "name"),
        ({"name": "Achats", "code": "bad code!"}, "code"),
        ({"name": "x" * 121, "code": "ACH"}, "name"),
        ({"name": "Ach\x00ats", "code": "ACH"}, "name"),
    ],
)
def test_bad_department_is_refused_with_the_field(org, api_as, body, field):
    before = _count(Department)
    response = api_as(org.admin).post("/api/v1/departments", json=body)
    assert_error(response, 422, "validation_error", field)
    assert _count(Department) == before


def test_unknown_fields_are_all_named(org, api_as):
    response = api_as(org.admin).post(
        "/api/v1/departments", json={"name": "A", "code": "A", "zeta": 1, "alpha": 2}
    )
    error = assert_error(response, 422, "validation_error", "alpha")
    assert error["details"]["unknown_fields"] == ["alpha", "zeta"]
    assert "alpha" in error["message"] and "zeta" in error["message"]


CRITERION = {
    "name": "Net Promoter Score",
    "definition": "Promoteurs moins détracteurs, en points.",
    "unit": "pts",
    "direction": "higher_is_better",
    "target": 40,
}


def test_admin_adds_a_criterion(org, api_as):
    response = api_as(org.admin).post("/api/v1/criteria", json=CRITERION)
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", "/api/v1/criteria")
    body = response.get_json()
    assert body["target"] == 40.0
    assert body["direction"] == "higher_is_better"
    assert db.session.get(CustomerCriterion, body["id"]).name == "Net Promoter Score"


def test_only_admins_add_criteria(org, api_as):
    before = _count(CustomerCriterion)
    response = api_as(org.head_a).post("/api/v1/criteria", json=CRITERION)
    assert_error(response, 403, "forbidden")
    assert _count(CustomerCriterion) == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"target": "40"}, "target"),
        ({"target": True}, "target"),
        ({"target": None}, "target"),
        ({"direction": "sideways"}, "direction"),
        ({"unit": ["pts"]}, "unit"),
        ({"name": "Shelf out-of-stock rate"}, "name"),
        ({"definition": "  "}, "definition"),
    ],
)
def test_bad_criterion_is_refused_with_the_field(org, api_as, change, field):
    before = _count(CustomerCriterion)
    response = api_as(org.admin).post("/api/v1/criteria", json={**CRITERION, **change})
    assert_error(response, 422, "validation_error", field)
    assert _count(CustomerCriterion) == before


def test_missing_criterion_fields_are_named(org, api_as):
    response = api_as(org.admin).post("/api/v1/criteria", json={"name": "X"})
    error = assert_error(response, 422, "validation_error", "definition")
    assert error["details"]["missing_fields"] == ["definition", "unit", "direction", "target"]


def test_non_finite_number_is_refused(org, api_as):
    api = api_as(org.admin)
    response = api.post(
        "/api/v1/criteria",
        data='{"name": "N", "definition": "d", "unit": "u", "direction": "higher_is_better", '
        '"target": NaN}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 422, "validation_error", "target")


def test_body_must_be_an_object(org, api_as):
    response = api_as(org.admin).post("/api/v1/criteria", json=[CRITERION])
    assert_error(response, 400, "bad_request")
