"""Helpers shared by the forms of every feature."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import SelectChoice


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Turn ``(value, label)`` pairs into WTForms choices (tuples are deprecated in 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
