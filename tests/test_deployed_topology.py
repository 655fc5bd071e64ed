"""The deployed topology, end to end over HTTP (issue 16, point 4).

What `deploy/` describes, started on this machine: gunicorn with two workers from
`deploy/gunicorn.conf.py`, `python -m scheduler` as its own process, PostgreSQL, Redis for the
rate limits, an SMTP server (in this process) and the OpenID Connect provider of the tests
(tests/plugins/oidc.py). Two heads of the demo organisation log in (one with the password
form, one through the identity provider's login page),
negotiate and sign a charter, download its PDF and book its review over HTTP; the scheduler
process sends the reminders. A second scheduler process is started and a web worker killed
during the run: the SMTP server still receives exactly one e-mail per recipient per message.

Slow by nature (the scheduler's first run comes 10 s after it starts, the outbox's next one a
minute later): one test, PostgreSQL only.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sla_contracts.demo import data

from .plugins.app_db import postgres_database_url
from .plugins.mail import SmtpServer, free_port
from .plugins.oidc import OidcProvider, ProviderSession

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = data.DEMO_PASSWORD
REDIS = ("127.0.0.1", 6379)
REMINDER = "Rappel : revue de « Topology check »"


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


class Http:
    """One person's HTTP client: cookies for the pages, a Bearer token for the API."""

    def __init__(self, base: str):
        self.base = base
        self.token: str | None = None
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect,
        )

    def call(self, method: str, path: str, body=None, *, form: dict | None = None):
        headers = {"Accept-Language": "en"}
        payload = None
        if form is not None:
            payload = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token and path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base + path, data=payload, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def api(self, method: str, path: str, body=None, expect: int | tuple = 200):
        status, _headers, raw = self.call(method, "/api/v1" + path, body)
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert status in expected, (method, path, status, raw[:500])
        return json.loads(raw) if raw else None

    def login_provider(self, provider: OidcProvider, email: str) -> None:
        """Sign in through the company's identity provider (its own login page), then take
        an API token with the password the person also has."""
        status, headers, _raw = self.call("GET", "/auth/oidc/login")
        assert status == 302, status
        callback = ProviderSession(provider).sign_in(headers["Location"], email)
        status, headers, _raw = self.call("GET", callback.removeprefix(self.base))
        assert status == 302 and headers["Location"] == "/", (status, headers)
        self.token = self.api("POST", "/tokens", {"email": email, "password": PASSWORD}, 201)[
            "token"
        ]

    def login_page(self, email: str) -> None:
        status, _h, raw = self.call("GET", "/login")
        assert status == 200
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', raw).group(1).decode()
        status, headers, _raw = self.call(
            "POST", "/login", form={"email": email, "password": PASSWORD, "csrf_token": token}
        )
        assert status == 302, status
        self.token = self.api("POST", "/tokens", {"email": email, "password": PASSWORD}, 201)[
            "token"
        ]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wait_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}: {log.read_text()[-2000:]}")


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.fixture
def topology(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        if os.environ.get("REQUIRE_PG"):
            pytest.fail("REQUIRE_PG is set but the suite is not running on PostgreSQL")
        pytest.skip("the deployed topology runs on PostgreSQL (set TEST_DATABASE_URL)")
    if not _redis_up():
        if os.environ.get("REQUIRE_PG"):  # CI starts Redis (.ci/run): a skip would hide it
            pytest.fail("REQUIRE_PG is set but Redis does not answer on 127.0.0.1:6379")
        pytest.skip("needs Redis on 127.0.0.1:6379 for the shared rate limits")
    url = postgres_database_url(database_url, "topology", fresh=True)
    smtp = SmtpServer()
    smtp.start()
    port = free_port()
    provider = OidcProvider(tmp_path)
    provider.start(f"http://127.0.0.1:{port}")
    redis_db = 11 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 4
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY="topology-test",
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        BASE_URL=f"http://127.0.0.1:{port}",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp.port),
        RATELIMIT_STORAGE_URI=f"redis://{REDIS[0]}:{REDIS[1]}/{redis_db}",
        SCHEDULER_IN_PROCESS="0",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_WORKERS="2",
        FLASK_APP="app.py",
        # The demonstration signing certificate init-db makes: not in the repository's instance/.
        SIGNING_DEMO_CERT=str(tmp_path / "signing-demo.p12"),
        **provider.app_settings(),
    )
    env.pop("TEST_DATABASE_URL", None)
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "app"]
    for command in (["init-db"], ["seed-demo"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    # Redis keeps nothing on disk here, but an earlier run's counters may still be there.
    subprocess.run(
        [sys.executable, "-c", f"import redis; redis.Redis(db={redis_db}).flushdb()"], check=True
    )
    processes: list[subprocess.Popen] = []

    def start(args: list[str], name: str) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        processes.append(process)
        process.log = log  # type: ignore[attr-defined]
        return process

    gunicorn = start(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:app"], "web"
    )
    _wait_port(port, gunicorn, gunicorn.log)
    engine = create_engine(url)
    yield {
        "base": f"http://127.0.0.1:{port}",
        "smtp": smtp,
        "gunicorn": gunicorn,
        "scheduler": lambda name: start([str(ROOT / ".venv/bin/python"), "-m", "scheduler"], name),
        "engine": engine,
        "tmp": tmp_path,
        "provider": provider,
    }
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    engine.dispose()
    smtp.stop()
    provider.stop()


def _two_heads(engine) -> tuple[dict, dict, int]:
    """Two heads of two demo departments, and a criterion of the catalogue."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.email, m.department_id FROM memberships m JOIN users u "
                "ON u.id = m.user_id WHERE m.role = 'head' ORDER BY m.department_id, u.id"
            )
        ).all()
        criterion = conn.scalar(text("SELECT min(id) FROM customer_criteria"))
    by_department: dict[int, str] = {}
    for email, department_id in rows:
        by_department.setdefault(department_id, email)
    (dep_a, email_a), (dep_b, email_b) = list(by_department.items())[:2]
    return {"email": email_a, "dep": dep_a}, {"email": email_b, "dep": dep_b}, criterion


def _commitment(department_id: int, title: str) -> dict:
    return {
        "provider_department_id": department_id,
        "title": title,
        "service_standard": "Within the agreed hours",
        "indicator": "Share of requests answered on time",
        "target": "95 %",
        "unit": "%",
        "customer_impact": "The end customer is served on the promised day",
    }


def test_the_deployed_topology_negotiates_signs_and_reminds_once(topology):
    base, smtp, engine = topology["base"], topology["smtp"], topology["engine"]
    first, second, criterion = _two_heads(engine)
    a, b = Http(base), Http(base)
    a.login_page(first["email"])
    # The other head signs in through the company's identity provider (matched by e-mail).
    topology["provider"].add_account(second["email"], name="Provider name")
    b.login_provider(topology["provider"], second["email"])
    # Sessions hold across both workers: the home page, signed in, several times.
    for _ in range(6):
        for person in (a, b):
            status, _h, raw = person.call("GET", "/")
            assert status == 200 and b"/logout" in raw

    charter = a.api(
        "POST",
        "/charters",
        {
            "title": "Topology check",
            "department_a_id": first["dep"],
            "department_b_id": second["dep"],
            "criterion_id": criterion,
            "review_cadence_months": 3,
        },
        201,
    )
    cid = charter["id"]
    mine = a.api("POST", f"/charters/{cid}/commitments", _commitment(first["dep"], "A's"), 201)
    theirs = b.api("POST", f"/charters/{cid}/commitments", _commitment(second["dep"], "B's"), 201)
    b.api("POST", f"/commitments/{mine['id']}/agree", {"lock_version": mine["lock_version"]})
    a.api("POST", f"/commitments/{theirs['id']}/agree", {"lock_version": theirs["lock_version"]})
    version = a.api("POST", f"/charters/{cid}/submit", {}, 201)

    # A web worker dies mid-run; the master starts another and nobody notices.
    workers = _workers(topology["gunicorn"].pid)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)

    b.api(
        "POST", f"/charters/{cid}/sign", {"version": version["number"], "password": PASSWORD}, 201
    )
    signed = a.api(
        "POST", f"/charters/{cid}/sign", {"version": version["number"], "password": PASSWORD}, 201
    )
    assert signed["charter_status"] == "active"
    status, headers, pdf = a.call("GET", f"/api/v1/charters/{cid}/versions/1/pdf")
    assert (
        status == 200 and pdf.startswith(b"%PDF") and headers["Content-Type"] == "application/pdf"
    )

    meeting = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    # Activation planned the first review: booking its meeting answers that open review.
    booked = a.api(
        "POST",
        f"/charters/{cid}/reviews",
        {
            "scheduled_at": meeting.isoformat(),
            "duration_minutes": 60,
            "location": "Room 2",
            "attendee_ids": [a.api("GET", "/me")["id"], b.api("GET", "/me")["id"]],
        },
        (200, 201),
    )
    assert booked["scheduled_at"]
    assert len(_workers(topology["gunicorn"].pid)) == 2  # replaced

    # Two schedulers, the second started while the first runs its jobs.
    topology["scheduler"]("scheduler-1")
    time.sleep(5)
    topology["scheduler"]("scheduler-2")
    key = f"review:{booked['id']}:%:before:3"
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            pending = conn.scalar(
                text("SELECT count(*) FROM outbox_emails WHERE status = 'pending'")
            )
            planned = conn.scalar(
                text("SELECT count(*) FROM reminders WHERE key LIKE :k"), {"k": key}
            )
        if planned and not pending:
            break
        time.sleep(2)
    assert planned == 1, "the review's reminder was planned once"
    assert pending == 0, "every queued e-mail was delivered (withdrawn ones aside)"

    received = [(tuple(to), m["Message-ID"], m["Subject"]) for to, m in smtp.inbox.messages]
    twice = [k for k, n in Counter((to, mid) for to, mid, _s in received).items() if n > 1]
    assert not twice, f"delivered twice: {twice}"
    with engine.connect() as conn:
        sent = conn.scalar(text("SELECT count(*) FROM outbox_emails WHERE status = 'sent'"))
    assert sent == len(received)
    # The review's reminder (French: the demo heads read French) reached each head once.
    reminded = [to for to, _mid, subject in received if subject == REMINDER]
    assert sorted(reminded) == sorted([(first["email"],), (second["email"],)]), received
