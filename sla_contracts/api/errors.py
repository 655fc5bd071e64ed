"""The API's error format: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

from flask import jsonify


def error_response(
    status: int, code: str, message: str, field: str | None = None, details: dict | None = None
):
    """Build the documented error JSON with ``status``."""
    body: dict = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    if details:
        body["details"] = details
    return jsonify({"error": body}), status
