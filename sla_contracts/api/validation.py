"""Reading JSON bodies and query strings strictly, and describing them in OpenAPI.

One ``Field`` table per endpoint does both jobs, so the document cannot drift from what
the endpoint accepts: ``read_json(fields)`` refuses unknown fields, missing required
fields and wrong JSON types (422 naming the field); ``body_schema(fields)`` is the schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import ngettext

from ..errors import NotFound, ValidationError
from .blueprint import BadRequest

# Ids are 32-bit integers in PostgreSQL: a larger number would be a database error, not a 404.
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)


@dataclass(frozen=True)
class Field:
    """One accepted body field: its JSON type, whether required, and its documentation."""

    type: str  # "string", "integer", "number" or "boolean"
    required: bool = False
    nullable: bool = False
    description: str = ""
    enum: tuple[Any, ...] = ()
    max_length: int | None = None
    minimum: int | None = None

    def schema(self) -> dict[str, Any]:
        """Return this field's JSON Schema."""
        schema: dict[str, Any] = {"type": [self.type, "null"] if self.nullable else self.type}
        if self.description:
            schema["description"] = self.description
        if self.enum:
            schema["enum"] = list(self.enum) + ([None] if self.nullable else [])
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        return schema


def body_schema(fields: dict[str, Field]) -> dict[str, Any]:
    """Return the JSON Schema of a body read with ``read_json(fields)``."""
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: f.schema() for name, f in fields.items()},
    }
    required = [name for name, f in fields.items() if f.required]
    if required:
        schema["required"] = required
    return schema


def json_object() -> dict[str, Any]:
    """Return the request's body as a dict, or raise BadRequest (400)."""
    if not request.is_json:
        raise BadRequest(_("Send JSON with the header Content-Type: application/json."))
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest(_("The body is not valid JSON."))
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object."))
    return data


def _type_error(name: str, field: Field) -> ValidationError:
    messages = {
        "string": _("This field must be text."),
        "integer": _("This field must be a whole number."),
        "number": _("This field must be a number."),
        "boolean": _("This field must be true or false."),
    }
    return ValidationError(messages[field.type], field=name, details={"expected_type": field.type})


def check_value(name: str, value: Any, field: Field) -> Any:
    """Check one value's JSON type (and range); return it or raise ValidationError."""
    if value is None:
        if field.nullable:
            return None
        raise _type_error(name, field)
    if field.type == "string":
        if not isinstance(value, str):
            raise _type_error(name, field)
        # PostgreSQL cannot store NUL in text.
        if "\x00" in value:
            raise ValidationError(_("This text contains a forbidden character."), field=name)
        # Services strip the text before checking its length; so does this.
        if field.max_length is not None and len(value.strip()) > field.max_length:
            raise ValidationError(
                _("At most %(max)d characters.", max=field.max_length), field=name
            )
    elif field.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(name, field)
        if not MIN_INT <= value <= MAX_INT:
            raise ValidationError(_("This number is out of range."), field=name)
        if field.minimum is not None and value < field.minimum:
            raise ValidationError(_("This number is out of range."), field=name)
    elif field.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_error(name, field)
        if isinstance(value, float) and not math.isfinite(value):
            raise _type_error(name, field)
        if isinstance(value, int) and abs(value) > 2**53:
            raise ValidationError(_("This number is out of range."), field=name)
    elif field.type == "boolean":
        if not isinstance(value, bool):
            raise _type_error(name, field)
    if field.enum and value not in field.enum:
        raise ValidationError(
            _("Use one of: %(values)s.", values=", ".join(str(v) for v in field.enum)),
            field=name,
        )
    return value


def read_json(fields: dict[str, Field], *, require_change: bool = False) -> dict[str, Any]:
    """Read the body: unknown, missing or mistyped fields give 422 naming them.

    Returns only the fields present. With ``require_change``, a body carrying nothing but
    required fields (e.g. only ``lock_version``) is refused as well.
    """
    data = json_object()
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValidationError(
            ngettext(
                "Unknown field: %(names)s.",
                "Unknown fields: %(names)s.",
                len(unknown),
                names=", ".join(unknown),
            ),
            field=unknown[0],
            details={"unknown_fields": unknown, "allowed_fields": sorted(fields)},
        )
    missing = [name for name, f in fields.items() if f.required and name not in data]
    if missing:
        raise ValidationError(
            ngettext(
                "Missing field: %(names)s.",
                "Missing fields: %(names)s.",
                len(missing),
                names=", ".join(missing),
            ),
            field=missing[0],
            details={"missing_fields": missing},
        )
    cleaned = {name: check_value(name, value, fields[name]) for name, value in data.items()}
    if require_change and all(fields[name].required for name in cleaned):
        optional = sorted(name for name, f in fields.items() if not f.required)
        raise ValidationError(
            _("Send at least one field to change: %(names)s.", names=", ".join(optional)),
            details={"allowed_fields": optional},
        )
    return cleaned


def query_flag(name: str) -> bool:
    """Read a boolean query parameter (1/0, true/false, yes/no); 422 otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return False
    value = raw.strip().lower()
    if value in {"1", "true", "yes"}:
        return True
    if value in {"0", "false", "no"}:
        return False
    raise ValidationError(_("Use 1 or 0."), field=name)


def query_int(name: str) -> int | None:
    """Read an optional integer query parameter; 422 when it is not one."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.lstrip("-").isdigit():
        raise ValidationError(_("This field must be a whole number."), field=name)
    return check_value(name, int(raw), Field("integer"))


def path_id(value: int, message: str) -> int:
    """Refuse path ids no row can have (before the database sees an out-of-range number)."""
    if not 0 < value <= MAX_INT:
        raise NotFound(message)
    return value
