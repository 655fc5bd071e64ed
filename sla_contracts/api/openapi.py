"""The OpenAPI 3.1 document, built from a registry every API module extends.

A feature adding endpoints documents each one next to its route::

    openapi.add_schema("Signature", {...})
    openapi.add_path("/charters/{charter_id}/sign", "post", {
        "summary": "Sign the current version",
        "parameters": [openapi.path_param("charter_id")],
        "responses": {"201": openapi.json_response("Signed", openapi.ref("Signature")),
                      **openapi.errors(401, 404, 409)},
    })

Paths are given relative to ``/api/v1``. ``tests/test_api_openapi.py`` checks that the
document and the Flask url map list exactly the same endpoints, and that every example
validates against its schema (``validate`` below, a small subset of JSON Schema).
"""

from __future__ import annotations

import copy
from typing import Any

from .blueprint import API_PREFIX

_paths: dict[str, dict[str, dict[str, Any]]] = {}
_schemas: dict[str, dict[str, Any]] = {}

ERROR_DESCRIPTIONS = {
    400: "The body is not a JSON object (or not JSON, or not sent as application/json)",
    401: "Not authenticated, or the token is unknown, expired or revoked",
    403: "Authenticated but not allowed to do this",
    404: "No such object, or the caller may not see it",
    409: "Stale lock_version (code conflict), or the status forbids it (code invalid_state)",
    422: "A field is unknown, missing, of the wrong type or not valid",
    429: "Too many attempts",
}


def add_schema(name: str, schema: dict[str, Any]) -> None:
    """Declare (or replace) a named schema under components/schemas."""
    _schemas[name] = schema


def add_properties(name: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> None:
    """Add properties to a declared object schema (e.g. a feature enriching ``Charter``)."""
    schema = _schemas[name]
    schema.setdefault("properties", {}).update(properties)
    if required:
        schema["required"] = [*schema.get("required", []), *required]


def add_path(path: str, method: str, spec: dict[str, Any], *, public: bool = False) -> None:
    """Declare one operation; ``path`` is relative to /api/v1 (``/charters/{charter_id}``)."""
    method = method.lower()
    full = API_PREFIX + path
    if method in _paths.get(full, {}):
        raise ValueError(f"{method.upper()} {full} is documented twice")
    spec = dict(spec)
    if public:
        spec["security"] = []
    _paths.setdefault(full, {})[method] = spec


def ref(name: str) -> dict[str, str]:
    """Return a reference to a named schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def path_param(name: str, description: str = "") -> dict[str, Any]:
    """Describe an integer path parameter."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description or name.replace("_", " "),
        "schema": {"type": "integer", "minimum": 1},
    }


def query_param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Describe an optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def json_body(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    """Describe a required JSON request body."""
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"required": True, "content": {"application/json": media}}


def json_response(description: str, schema: dict[str, Any], example: Any = None) -> dict:
    """Describe a JSON response."""
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {"application/json": media}}


def no_content(description: str = "Done, no content") -> dict[str, Any]:
    """Describe a 204 response."""
    return {"description": description}


def errors(*statuses: int) -> dict[str, Any]:
    """Describe error responses, all in the documented error format."""
    return {
        str(status): {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": ref("Error")}},
        }
        for status in statuses
    }


def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document: flask-smorest's declarations, plus the modules
    not yet declared that way (this registry, going away)."""
    from .blueprint import api
    from .directory import DepartmentRefSchema

    if "DepartmentRef" not in api.spec.components.schemas:  # referred to by the registry
        api.spec.components.schema("DepartmentRef", schema=DepartmentRefSchema)
    doc = copy.deepcopy(api.spec.to_dict())
    for path, operations in _paths.items():
        doc["paths"].setdefault(path, {}).update(copy.deepcopy(operations))
    doc["paths"] = dict(sorted(doc["paths"].items()))
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _schemas.items():
        schemas.setdefault(name, copy.deepcopy(schema))
    doc["components"]["schemas"] = dict(sorted(schemas.items()))
    return doc


# ---------------------------------------------------------------- a small JSON Schema check


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(
    instance: Any, schema: dict[str, Any], schemas: dict[str, Any] | None = None, at: str = "$"
) -> list[str]:
    """Check ``instance`` against a subset of JSON Schema; return the problems found.

    Supports $ref, type (or a list of types), enum, required, properties,
    additionalProperties: false, items, oneOf/anyOf. Enough to keep examples and
    responses honest without a schema library.
    """
    schemas = _schemas if schemas is None else schemas
    schema = _resolve(schema, schemas)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            if not any(not validate(instance, s, schemas, at) for s in schema[key]):
                return [f"{at}: matches none of {key}"]
            return []
    problems: list[str] = []
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_TYPES[t](instance) for t in types):
            return [f"{at}: expected {'/'.join(types)}, got {type(instance).__name__}"]
    if "enum" in schema and instance not in schema["enum"]:
        problems.append(f"{at}: {instance!r} not in {schema['enum']}")
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in instance:
                problems.append(f"{at}: missing required {name}")
        for name, value in instance.items():
            if name in properties:
                problems.extend(validate(value, properties[name], schemas, f"{at}.{name}"))
            elif schema.get("additionalProperties") is False:
                problems.append(f"{at}: unexpected property {name}")
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            problems.extend(validate(item, schema["items"], schemas, f"{at}[{i}]"))
    return problems
