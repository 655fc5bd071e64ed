"""The OpenAPI document describes exactly the endpoints served, each fully, with valid examples."""

from __future__ import annotations

from sla_contracts.api.blueprint import API_PREFIX, PUBLIC_ENDPOINTS
from tests.api_helpers import flask_rule_to_openapi, schema_problems

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# Answers that are not JSON: the PDF files and the reference page.
NOT_JSON = {"/api/v1/docs"}


def served(app) -> dict[tuple[str, str], str]:
    """(path, method) → endpoint for every rule under /api/v1."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes[(flask_rule_to_openapi(rule.rule), method.lower())] = rule.endpoint
    return routes


def operations(document):
    for path, items in document["paths"].items():
        for method, operation in items.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_every_served_endpoint_is_documented_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = served(app)
    documented = {(path, method) for path, method, _op in operations(document)}
    assert len(routes) >= 15
    assert set(routes) - documented == set(), "served but not documented"
    assert documented - set(routes) == set(), "documented but not served"


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


def test_public_operations_match_the_unauthenticated_endpoints(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = served(app)
    for (path, method), endpoint in routes.items():
        is_public_doc = document["paths"][path][method].get("security") == []
        assert is_public_doc == (endpoint in PUBLIC_ENDPOINTS), (path, method)


def test_path_parameters_are_declared(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, method, operation in operations(document):
        names = {part.split("}")[0] for part in path.split("{")[1:]}
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        declared |= {
            p["name"] for p in document["paths"][path].get("parameters", []) if p["in"] == "path"
        }
        assert declared == names, (path, method)


def test_examples_validate_against_their_schemas(client):
    document = client.get("/api/v1/openapi.json").get_json()
    problems, checked = [], 0
    for path, method, operation in operations(document):
        media = [
            ("body", operation.get("requestBody", {}).get("content", {}).get("application/json"))
        ]
        media += [
            (status, response.get("content", {}).get("application/json"))
            for status, response in operation["responses"].items()
        ]
        for where, item in media:
            if item and "example" in item:
                checked += 1
                for problem in schema_problems(item["example"], item["schema"], document):
                    problems.append(f"{method} {path} {where}: {problem}")
    assert checked >= 20
    assert problems == []


def test_the_check_catches_a_wrong_example(client):
    document = client.get("/api/v1/openapi.json").get_json()
    department = {"$ref": "#/components/schemas/Department"}
    good = {
        "id": 1,
        "name": "Logistique",
        "code": "LOG",
        "archived": False,
        "archived_at": None,
        "heads": [],
    }
    assert schema_problems(good, department, document) == []
    assert schema_problems({**good, "id": "1"}, department, document)
    assert schema_problems({**good, "colour": "red"}, department, document)
    assert schema_problems({k: v for k, v in good.items() if k != "heads"}, department, document)


def test_every_operation_says_what_it_does_and_who_may_call_it(client):
    document = client.get("/api/v1/openapi.json").get_json()
    missing, ids = [], []
    for path, method, operation in operations(document):
        if not operation.get("summary") or "Who may call it" not in operation.get(
            "description", ""
        ):
            missing.append(f"{method} {path}")
        ids.append(operation.get("operationId"))
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if status.startswith("2") and media and path != "/api/v1/openapi.json":
                if "example" not in media:
                    missing.append(f"{method} {path} {status}: no example")
    assert missing == []
    assert None not in ids and len(ids) == len(set(ids))


def test_request_bodies_refuse_unknown_keys_at_every_depth(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    loose = []

    def walk(schema, where):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            walk(schemas[name], name)
            return
        if schema.get("type") == "object" and "properties" in schema:
            if schema.get("additionalProperties") is not False:
                loose.append(where)
            for key, sub in schema["properties"].items():
                walk(sub, f"{where}.{key}")
        if "items" in schema:
            walk(schema["items"], f"{where}[]")

    for path, method, operation in operations(document):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            walk(body["schema"], f"{method} {path}")
    assert loose == []


def test_document_is_served_without_authentication(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/charters/{charter_id}" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
