"""``python -m scheduler``: run the jobs in their own process (production, beside gunicorn)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from sla_contracts import create_app

from . import JOBS, add_jobs


def main() -> None:
    """Build the app and run the jobs until stopped."""
    app = create_app()
    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, app)
    logging.getLogger(__name__).info("scheduler running jobs: %s", ", ".join(j.id for j in JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
