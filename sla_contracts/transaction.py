"""The one place where a request, a CLI command or a job ends its transaction.

Services flush and raise a ``DomainError``; they never commit. The caller wraps the service
call in one of these:

- ``atomic()`` commits what the block did, or rolls everything back and lets the error go on
  (the API's error handler turns it into the documented JSON; a CLI command prints it).
- ``attempt(form)`` is for pages: it commits, or rolls back and shows the domain error on the
  form field it names (or as a flashed message), and tells the view how it went::

      with attempt(form) as outcome:
          ops.update_charter(current_user, charter, ...)
      if outcome.ok:
          flash(...)
          return redirect(...)
      return render_template(...), outcome.status
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from flask import flash

from .errors import ConflictError, DomainError
from .extensions import db


@contextmanager
def atomic() -> Iterator[None]:
    """Commit what the block did, or roll it back and re-raise what went wrong."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def show_error(form: Any, error: DomainError) -> None:
    """Put ``error`` on the form field it names, or flash it when it names none."""
    target = getattr(form, error.field, None) if form is not None and error.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "error")


class attempt:  # noqa: N801 - used as a statement: ``with attempt(form) as outcome``
    """Commit the block, or roll back and show its domain error (see the module docstring).

    Errors of the types in ``leave`` are rolled back and kept in ``outcome.error`` but not
    shown: the view has something better to say (a conflict page with both texts, say).
    """

    def __init__(self, form: Any = None, *, leave: tuple[type[DomainError], ...] = ()):
        self.form = form
        self.leave = leave
        self.error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def conflict(self) -> bool:
        return isinstance(self.error, ConflictError)

    @property
    def status(self) -> int:
        """200 when the block committed, else the error's HTTP status (422, 409, 403…)."""
        return 200 if self.error is None else self.error.status

    def __enter__(self) -> attempt:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if error is None:
            try:
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            return False
        db.session.rollback()
        if not isinstance(error, DomainError):
            return False
        self.error = error
        if not isinstance(error, self.leave):
            show_error(self.form, error)
        return True
