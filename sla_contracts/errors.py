"""Domain errors raised by services; views and the API turn them into messages and statuses."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; ``message`` is already translated text for people."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the message (none by default)."""
        return {}


class ValidationError(DomainError):
    code = "validation_error"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class NotOwner(Forbidden):
    """A head changed a commitment their side does not provide (they may propose instead)."""

    code = "not_owner"


class NotReady(DomainError):
    """A draft submitted while an expectation is open or a commitment is not agreed by both."""

    code = "not_ready"
    status = 422


class ConflictError(DomainError):
    """Someone else changed the object since the caller read it (optimistic locking)."""

    code = "conflict"
    status = 409


class CharterStateError(DomainError):
    """The charter's status does not allow this action."""

    code = "invalid_state"
    status = 409


class ReviewStateError(DomainError):
    """The review's status does not allow this action (closed, cancelled, not started…)."""

    code = "invalid_state"
    status = 409


class RateLimited(DomainError):
    """Too many failed attempts: refused without looking, until ``retry_after`` seconds pass."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field, details={"retry_after": retry_after})
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
