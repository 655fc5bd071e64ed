"""The OpenAPI document describes exactly the endpoints served, and its examples are valid."""

from __future__ import annotations

import pytest

from sla_contracts.api import openapi
from sla_contracts.api.blueprint import API_PREFIX, PUBLIC_ENDPOINTS
from tests.api_helpers import flask_rule_to_openapi

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def served(app) -> dict[tuple[str, str], str]:
    """(path, method) → endpoint for every rule under /api/v1."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes[(flask_rule_to_openapi(rule.rule), method.lower())] = rule.endpoint
    return routes


def documented() -> set[tuple[str, str]]:
    document = openapi.document()
    return {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }


def test_every_served_endpoint_is_documented_and_nothing_else(app):
    routes = served(app)
    assert len(routes) >= 15
    assert set(routes) - documented() == set(), "served but not documented"
    assert documented() - set(routes) == set(), "documented but not served"


def test_contract_endpoints_are_served(app):
    routes = set(served(app))
    for path, method in [
        ("/api/v1/tokens", "post"),
        ("/api/v1/departments", "get"),
        ("/api/v1/departments", "post"),
        ("/api/v1/criteria", "get"),
        ("/api/v1/criteria", "post"),
        ("/api/v1/charters", "get"),
        ("/api/v1/charters", "post"),
        ("/api/v1/charters/{charter_id}", "get"),
        ("/api/v1/charters/{charter_id}", "patch"),
        ("/api/v1/charters/{charter_id}/commitments", "post"),
        ("/api/v1/commitments/{commitment_id}", "patch"),
        ("/api/v1/commitments/{commitment_id}", "delete"),
        ("/api/v1/openapi.json", "get"),
    ]:
        assert (path, method) in routes


def test_public_operations_match_the_unauthenticated_endpoints(app):
    document = openapi.document()
    routes = served(app)
    for (path, method), endpoint in routes.items():
        is_public_doc = document["paths"][path][method].get("security") == []
        assert is_public_doc == (endpoint in PUBLIC_ENDPOINTS), (path, method)


def test_path_parameters_are_declared(app):
    document = openapi.document()
    for path, operations in document["paths"].items():
        names = {part.split("}")[0] for part in path.split("{")[1:]}
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method)


def _examples():
    document = openapi.document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body and "example" in body:
                yield pytest.param(body, id=f"{method} {path} body")
            for status, response in operation["responses"].items():
                media = response.get("content", {}).get("application/json")
                if media and "example" in media:
                    yield pytest.param(media, id=f"{method} {path} {status}")


@pytest.mark.parametrize("media", list(_examples()))
def test_examples_validate_against_their_schemas(media):
    schemas = openapi.document()["components"]["schemas"]
    assert openapi.validate(media["example"], media["schema"], schemas) == []


def test_success_responses_have_examples():
    document = openapi.document()
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                media = response.get("content", {}).get("application/json")
                if status.startswith("2") and media and path != "/api/v1/openapi.json":
                    if "example" not in media:
                        missing.append(f"{method} {path} {status}")
    assert missing == []


def test_the_checker_catches_wrong_examples():
    schemas = openapi.document()["components"]["schemas"]
    charter = {"$ref": "#/components/schemas/Charter"}
    assert openapi.validate({"id": "3"}, charter, schemas)  # wrong type, missing keys
    commitment = {"$ref": "#/components/schemas/Commitment"}
    good = openapi.document()["paths"]["/api/v1/commitments/{commitment_id}"]["patch"]
    example = good["responses"]["200"]["content"]["application/json"]["example"]
    assert openapi.validate(example, commitment, schemas) == []
    assert openapi.validate({**example, "lock_version": None}, commitment, schemas)
    body = good["requestBody"]["content"]["application/json"]["schema"]
    assert openapi.validate({"lock_version": 1, "colour": "red"}, body, schemas)


def test_document_is_served_without_authentication(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/charters/{charter_id}" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_registry_refuses_a_duplicate_operation():
    with pytest.raises(ValueError):
        openapi.add_path("/charters", "get", {"responses": {}})
