"""The building blocks every API declaration uses: a strict schema and strict fields.

Bodies are JSON, so the fields take JSON types as they are: ``Int`` refuses ``"3"``, ``3.5``
and ``true``; ``Bool`` refuses ``1``; ``Text`` refuses numbers and NUL characters (which
PostgreSQL cannot store) and checks its length after stripping, as the services do.
Query strings are text, so ``QueryInt`` and ``Flag`` read ``"12"`` and ``"1"``.

Unknown keys are refused at every depth (``Schema.Meta.unknown = RAISE``, inside list
items too). Messages are translated when the error is raised, in the caller's language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from ..errors import NotFound

# Ids are 32-bit integers in PostgreSQL: a larger number would be a database error.
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)
PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 200

REQUIRED = _l("Missing field.")
UNKNOWN = _l("Unknown field.")
NULL = _l("This field may not be null.")


class Schema(ma.Schema):
    """Refuses unknown keys (at every depth) and keeps the declared order."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    error_messages = {"unknown": UNKNOWN, "type": _l("This must be a JSON object.")}


class QuerySchema(Schema):
    """Query strings: parameters the endpoint does not know are ignored."""

    class Meta:
        unknown = ma.EXCLUDE
        ordered = True


class _Sourced:
    """``source=callable``: the value answered is ``source(obj)`` (a computed field)."""

    def __init__(self, *args: Any, source: Callable[[Any], Any] | None = None, **kwargs: Any):
        self.source = source
        super().__init__(*args, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        if self.source is not None:
            return self.source(obj)
        return super().get_value(obj, attr, accessor=accessor, default=default)


class _Field(_Sourced, ma.fields.Field):
    """Messages in the caller's language; ``make_error`` formats lazily translated text."""

    default_error_messages = {"required": REQUIRED, "null": NULL}

    def make_error(self, key: str, **kwargs: Any) -> ma.ValidationError:
        message = str(self.error_messages[key])
        return ma.ValidationError(message.format(**kwargs) if kwargs else message)


class Text(_Field):
    """A JSON string; ``max_length`` counts after stripping; ``choices`` limits the values."""

    default_error_messages = {
        "invalid": _l("This field must be text."),
        "nul": _l("This text contains a forbidden character."),
        "too_long": _l("At most {max} characters."),
        "choice": _l("Use one of: {choices}."),
        "format": _l("This value is not in the expected format."),
    }

    def __init__(
        self,
        *,
        max_length: int | None = None,
        choices: tuple[str, ...] | list[str] | None = None,
        pattern: str | None = None,
        **kwargs: Any,
    ):
        self.max_length = max_length
        self.choices = tuple(choices) if choices else None
        self.pattern = pattern
        metadata = dict(kwargs.pop("metadata", {}))
        if max_length is not None:
            metadata.setdefault("maxLength", max_length)
        if self.choices:
            # JSON Schema checks enum whatever the type: null must be listed to be allowed.
            nullable = [None] if kwargs.get("allow_none") else []
            metadata.setdefault("enum", [*self.choices, *nullable])
        if pattern:
            metadata.setdefault("pattern", pattern)
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if "\x00" in value:
            raise self.make_error("nul")
        if self.max_length is not None and len(value.strip()) > self.max_length:
            raise self.make_error("too_long", max=self.max_length)
        if self.choices and value not in self.choices:
            raise self.make_error("choice", choices=", ".join(self.choices))
        if self.pattern:
            if not re.fullmatch(self.pattern, value):
                raise self.make_error("format")
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return getattr(value, "value", value) if not isinstance(value, str) else value


class Int(_Field):
    """A JSON integer in PostgreSQL's range (``minimum`` / ``maximum`` optional)."""

    default_error_messages = {
        "invalid": _l("This field must be a whole number."),
        "range": _l("This number is out of range."),
        "choice": _l("Use one of: {choices}."),
    }

    def __init__(
        self,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        choices: tuple[int, ...] | None = None,
        **kwargs: Any,
    ):
        self.minimum = MIN_INT if minimum is None else minimum
        self.maximum = MAX_INT if maximum is None else maximum
        self.choices = tuple(choices) if choices else None
        metadata = dict(kwargs.pop("metadata", {}))
        metadata.setdefault("minimum", self.minimum)
        metadata.setdefault("maximum", self.maximum)
        if self.choices:
            metadata["enum"] = list(self.choices)
        super().__init__(metadata=metadata, **kwargs)

    def _to_int(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value

    def _deserialize(self, value, attr, data, **kwargs):
        number = self._to_int(value)
        if not self.minimum <= number <= self.maximum:
            raise self.make_error("range")
        if self.choices and number not in self.choices:
            raise self.make_error("choice", choices=", ".join(str(c) for c in self.choices))
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else int(value)


class QueryInt(Int):
    """An integer given as text in the query string (``?limit=20``)."""

    def _to_int(self, value: Any) -> int:
        if not isinstance(value, str):
            return super()._to_int(value)
        text = value
        if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 12:
            raise self.make_error("invalid")
        return int(text)


class Number(_Field):
    """A finite JSON number (not a boolean), at most 2**53 in size."""

    default_error_messages = {
        "invalid": _l("This field must be a number."),
        "range": _l("This number is out of range."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("invalid")
        if abs(value) > 2**53:
            raise self.make_error("range")
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value


class Bool(_Field):
    """JSON true or false, nothing else."""

    default_error_messages = {"invalid": _l("This field must be true or false.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else bool(value)


class Flag(_Field):
    """A query flag: 1/0, true/false, yes/no (absent or empty: false)."""

    default_error_messages = {"invalid": _l("Use 1 or 0.")}

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("load_default", False)
        metadata = dict(kwargs.pop("metadata", {}))
        metadata.setdefault("enum", ["1", "0", "true", "false", "yes", "no", ""])
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value)  # exactly as documented: no spaces, lower case
        if text in {"1", "true", "yes"}:
            return True
        if text in {"0", "false", "no", ""}:
            return False
        raise self.make_error("invalid")


class When(_Field):
    """A date-time (ISO 8601, with its offset); answered in UTC ISO format."""

    default_error_messages = {
        "invalid": _l("Give a date and time in ISO 8601, e.g. 2027-03-01T09:00:00+01:00."),
        "naive": _l("Give the time zone offset, e.g. +01:00 or Z."),
    }

    def __init__(self, **kwargs: Any):
        metadata = dict(kwargs.pop("metadata", {}))
        metadata.setdefault("format", "date-time")
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.make_error("invalid") from None
        if moment.tzinfo is None:
            raise self.make_error("naive")
        return moment

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


class Day(_Field):
    """A calendar date (``2027-03-01``)."""

    default_error_messages = {"invalid": _l("Give a date as YYYY-MM-DD.")}

    def __init__(self, **kwargs: Any):
        metadata = dict(kwargs.pop("metadata", {}))
        metadata.setdefault("format", "date")
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) != 10:
            raise self.make_error("invalid")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.make_error("invalid") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


class List(_Sourced, ma.fields.List):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": _l("This field must be a list."),
    }

    def make_error(self, key: str, **kwargs: Any) -> ma.ValidationError:
        return ma.ValidationError(str(self.error_messages[key]))


class Nested(_Sourced, ma.fields.Nested):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "type": _l("This must be a JSON object."),
    }

    def make_error(self, key: str, **kwargs: Any) -> ma.ValidationError:
        return ma.ValidationError(str(self.error_messages[key]))


class Dict(_Sourced, ma.fields.Dict):
    """A free-form JSON object in answers (a snapshot, details)."""


class Raw(_Sourced, ma.fields.Raw):
    """Any JSON value in answers."""


def path_id(value: int, message: str) -> int:
    """Refuse path ids no row can have (before the database sees an out-of-range number)."""
    if not 0 < value <= MAX_INT:
        raise NotFound(message)
    return value


def Id(**kwargs: Any) -> Int:  # noqa: N802  (reads like a field class)
    """A database id: a positive 32-bit integer."""
    return Int(minimum=1, **kwargs)


# ---------------------------------------------------------------- shared shapes


class ErrorBodySchema(Schema):
    code = Text(
        required=True,
        metadata={
            "description": "bad_request, unauthorized, forbidden, not_owner (403: the "
            "commitment is the other department's, propose a change instead), not_found, "
            "conflict, invalid_state, validation_error, not_ready (422: the draft cannot be "
            "submitted yet), version_required, method_not_allowed, rate_limited, "
            "server_error, …"
        },
    )
    message = Text(required=True, metadata={"description": "Translated, for people"})
    field = Text(metadata={"description": "The (first) field at fault"})
    details = Dict(
        metadata={
            "description": "validation_error: errors (field → messages), unknown_fields, "
            "missing_fields; entering readings, rows refused: errors as a list of {index, "
            "field, message}; conflict: current_lock_version and current (the current "
            "content); not_ready: open_expectations and unagreed_commitments (ids); "
            "not_owner: provider_department_id; rate_limited: retry_after"
        }
    )


class ErrorSchema(Schema):
    error = Nested(ErrorBodySchema, required=True)


class PersonSchema(Schema):
    id = Int(required=True)
    name = Text(required=True)


class PageArgs(QuerySchema):
    """``limit`` and ``cursor``: every list endpoint's query string starts with these."""

    limit = QueryInt(
        minimum=1,
        maximum=PAGE_LIMIT_MAX,
        load_default=PAGE_LIMIT_DEFAULT,
        metadata={"description": f"Items per page (1 to {PAGE_LIMIT_MAX})"},
    )
    cursor = Text(
        max_length=600,
        metadata={"description": "Opaque: the `next` URL of the previous page carries it"},
    )


def page_of(item: type[ma.Schema], key: str, name: str) -> type[Schema]:
    """The answer of a list endpoint: ``{key: [item...], "next": url|null, "total": n}``."""
    return Schema.from_dict(
        {
            key: List(Nested(item), required=True),
            "next": Text(
                required=True,
                allow_none=True,
                metadata={"description": "The URL of the next page, or null on the last"},
            ),
            "total": Int(required=True, minimum=0, metadata={"description": "Items in all pages"}),
        },
        name=name,
    )
