"""Helpers for API tests: a JSON client with a Bearer token, and response-vs-document checks."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs

from sla_contracts.api.auth import issue_token
from sla_contracts.api.docs import document
from sla_contracts.extensions import db
from sla_contracts.timeutil import utcnow


class ApiClient:
    """A test client speaking JSON, authenticated by a Bearer token (or not at all)."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def request(self, method: str, url: str, json: Any = None, headers=None, **kw):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if json is not None:
            kw["json"] = json
        return self.client.open(url, method=method, headers=headers, **kw)

    def get(self, url: str, **kw):
        return self.request("GET", url, **kw)

    def post(self, url: str, json: Any = None, **kw):
        return self.request("POST", url, json, **kw)

    def patch(self, url: str, json: Any = None, **kw):
        return self.request("PATCH", url, json, **kw)

    def delete(self, url: str, **kw):
        return self.request("DELETE", url, **kw)


def token_for(user) -> str:
    """Issue a token directly (no rate limit), committed."""
    raw, _token = issue_token(user, utcnow())
    db.session.commit()
    return raw


def flask_rule_to_openapi(rule: str) -> str:
    """``/api/v1/charters/<int:charter_id>`` → ``/api/v1/charters/{charter_id}``."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def check_response(response, method: str, path: str) -> None:
    """Assert the response's status is documented and its JSON matches the declared schema."""
    document = served_document()
    operation = document["paths"][path][method.lower()]
    declared = operation["responses"].get(str(response.status_code))
    assert declared is not None, f"{method} {path} answered {response.status_code}, undocumented"
    content = declared.get("content")
    if content is None:
        assert not response.get_data(), "a response documented without content has a body"
        return
    schema = content["application/json"]["schema"]
    problems = schema_problems(response.get_json(), schema, document)
    assert not problems, problems


def served_document() -> dict[str, Any]:
    """The OpenAPI document as /api/v1/openapi.json serves it (inside an app context)."""
    return document()


def schema_problems(instance: Any, schema: dict[str, Any], document: dict[str, Any]) -> list:
    """Check ``instance`` against a schema of the document (JSON Schema 2020-12, as 3.1)."""
    root = {**schema, "components": document["components"]}
    validator = jsonschema_rs.Draft202012Validator(root)
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    """Assert the documented error JSON; return its ``error`` object."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    if field is not None:
        assert error.get("field") == field, error
    return error
