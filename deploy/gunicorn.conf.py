"""gunicorn's settings for Réciproque: ``gunicorn -c deploy/gunicorn.conf.py app:app``.

Read from the environment so one file serves every host (the systemd unit's EnvironmentFile):

- ``GUNICORN_BIND`` (``127.0.0.1:8000``): the reverse proxy connects here; never expose it.
- ``WEB_WORKERS`` (2) processes × ``WEB_THREADS`` (4) threads each (gthread: the app waits on
  the database and on PDF renders, not on the CPU alone).
- ``TRUSTED_PROXIES`` (1 behind the proxy) is read by the app itself (ProxyFix), not here.

The scheduler is never started inside these workers: it is its own process
(``python -m scheduler``, deploy/reciproque-scheduler.service).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# A signed PDF is rendered and signed on first download if its render was lost: give it time.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory of long-lived Python processes), not all at once.
max_requests = 2000
max_requests_jitter = 200
# Access log on stdout for journald; the app's own log goes to stderr.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# Each worker builds its own app (and its own database pool): no connection crosses a fork.
preload_app = False
