"""The scheduler: how to start the jobs of ``sla_contracts.jobs.JOBS`` (stable ids).

Production runs ``python -m scheduler`` as its own process beside gunicorn. ``make run`` sets
SCHEDULER_IN_PROCESS=1 and the app starts a background scheduler in the reloader's child only.
Every job is a plain function of ``now`` in ``sla_contracts.jobs``, listed once in ``JOBS``
(which ``run-jobs`` runs too); the scheduler only calls it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from flask import Flask

from sla_contracts.jobs import JOBS, Job
from sla_contracts.timeutil import utcnow

log = logging.getLogger(__name__)


def _runner(app: Flask, job: Job) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                result = job.func(utcnow())
                log.info("job %s: %s", job.id, job.describe(result))
            except Exception:
                log.exception("job %s failed", job.id)
                from sla_contracts.extensions import db

                db.session.rollback()
            finally:
                from sla_contracts.extensions import db

                db.session.remove()

    return run


def add_jobs(scheduler, app: Flask) -> None:
    """Register every job on an APScheduler 3 scheduler (memory job store, never shared).

    Each job first runs shortly after start (not one whole interval later), then every interval.
    """
    first = utcnow() + timedelta(seconds=10)
    for job in JOBS:
        scheduler.add_job(
            _runner(app, job),
            trigger="interval",
            minutes=job.minutes,
            id=job.id,
            name=job.id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=job.misfire_grace_seconds,
            next_run_time=first,
        )


def should_start_in_process(
    config: Mapping[str, object], environ: Mapping[str, str], argv: Sequence[str]
) -> bool:
    """Decide whether this process runs the in-app scheduler (at most one process does).

    Only when SCHEDULER_IN_PROCESS is set, never in tests, only for ``flask run`` (not the
    other CLI commands), and under the reloader only in the child that serves requests.
    """
    if not config.get("SCHEDULER_IN_PROCESS") or config.get("TESTING"):
        return False
    program = os.path.basename(argv[0]) if argv else ""
    if program in ("flask", "flask.exe") or (len(argv) > 1 and "flask" in argv[0]):
        if "run" not in argv[1:]:
            return False
    if environ.get("WERKZEUG_RUN_MAIN") == "true":
        return True  # the reloader's child
    debug = environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes", "on")
    uses_reloader = "--reload" in argv or (debug and "--no-reload" not in argv)
    return not uses_reloader  # the reloader's parent only watches files


_started_lock = threading.Lock()
_started: list[object] = []


def start_in_process(app: Flask) -> object | None:
    """Start a BackgroundScheduler for ``app`` if this process should, once per process."""
    if not should_start_in_process(app.config, os.environ, sys.argv):
        return None
    with _started_lock:
        if _started:
            return _started[0]
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone="UTC")
        add_jobs(scheduler, app)
        scheduler.start()
        _started.append(scheduler)
        app.extensions["scheduler"] = scheduler
        log.info("in-process scheduler started (pid %s)", os.getpid())
        return scheduler
