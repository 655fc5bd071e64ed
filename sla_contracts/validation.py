"""Checks that every service applies to the text people type (pages, API and CLI alike)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .errors import ValidationError


def clean_text(value: Any, *, field_name: str, required: bool, max_length: int) -> str:
    """Strip and check one text field; raise ValidationError naming the field."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("This field must be text."), field=field_name)
    value = value.strip()
    if required and not value:
        raise ValidationError(_("This field is required."), field=field_name)
    if len(value) > max_length:
        raise ValidationError(_("At most %(max)d characters.", max=max_length), field=field_name)
    return value
