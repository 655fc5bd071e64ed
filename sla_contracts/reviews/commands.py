"""The ``run-jobs`` command: every scheduler job once, for a chosen ``now``."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask

from ..timeutil import utcnow


def _parse_now(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO date-time: {value}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def register(app: Flask) -> None:
    """Attach ``run-jobs``."""

    @app.cli.command("run-jobs")
    @click.option("--now", "now_text", default=None, help="ISO date-time (UTC if no offset).")
    def run_jobs(now_text: str | None) -> None:
        """Run the scheduler's jobs once: mark overdue, plan reminders, deliver the outbox."""
        from ..jobs import run_all

        now = _parse_now(now_text)
        for name, result in run_all(now).items():
            click.echo(f"{name}: {result}")
