"""Pages and API lists at demo size and at company scale (issue 16, point 3).

For each page and API list: the statements one request makes, the median and 95th percentile
server time (the Flask test client in this process: routing, the view, the templates, the
database; not the network) and the size of the answer, first on the demo organisation, then
after ``benchmarks.scale.add_scale`` (200 departments, 5,000 charters). With ``--wrk``, the
throughput of the home and charter pages under gunicorn (2 workers) with wrk (Debian's package),
beside a bare Flask "hello" app served the same way, as a ratio.

    .venv/bin/python -m benchmarks.bench_scale                       # SQLite in a temp folder
    .venv/bin/python -m benchmarks.bench_scale --database postgresql+psycopg://postgres@127.0.0.1/bench_scale
    .venv/bin/python -m benchmarks.bench_scale --wrk                 # and the throughput ratios

Figures, not a timed test: they go in the closing note of the issue.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.scale import add_scale, head_with_most_charters  # noqa: E402
from sla_contracts import create_app  # noqa: E402
from sla_contracts.demo import data  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import Charter, CharterStatus, User  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FAST_HASH = "pbkdf2:sha256:1000"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BARE_APP = """
from flask import Flask
app = Flask(__name__)

@app.get("/")
def hello():
    return "hello"
"""


def _fresh(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _env(url: str, port: int | None = None) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench", PASSWORD_HASH_METHOD=FAST_HASH)
    env.update(MAIL_SERVER="", SCHEDULER_IN_PROCESS="0", FLASK_APP="app.py")
    if port:
        env.update(
            GUNICORN_BIND=f"127.0.0.1:{port}", WEB_WORKERS="2", BASE_URL=f"http://127.0.0.1:{port}"
        )
    return env


def _seed_demo(url: str) -> None:
    for command in ("init-db", "seed-demo"):
        subprocess.run(
            [str(ROOT / ".venv/bin/flask"), "--app", "app", command],
            cwd=ROOT, env=_env(url), check=True, capture_output=True,
        )  # fmt: skip


def _login(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    answer = client.post(
        "/login", data={"email": email, "password": data.DEMO_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.status_code


def _charter_of(email: str) -> int:
    """The first charter in force of this person's departments (their charter page)."""
    user = db.session.scalar(select(User).where(User.email == email))
    departments = user.member_of()
    return db.session.scalar(
        select(func.min(Charter.id)).where(
            Charter.status == CharterStatus.ACTIVE,
            Charter.department_a_id.in_(departments) | Charter.department_b_id.in_(departments),
        )
    )


def _targets(app) -> list[tuple[str, str, str]]:
    """(who, label, path): the pages and API lists measured."""
    with app.app_context():
        head = head_with_most_charters()
        if db.session.scalar(select(User.id).where(User.email == head)) is None:
            head = f"thomas.garnier@{data.EMAIL_DOMAIN}"
        charter_id = _charter_of(head)
    admin = data.ADMIN["email"]
    return [
        (admin, "home, administrator", "/"),
        (head, "home, head", "/"),
        (head, "charter page", f"/charters/{charter_id}"),
        (head, "to sign", "/charters/to-sign"),
        (head, "inbox", "/inbox"),
        (head, "actions", "/reviews/actions"),
        (admin, "company map", "/directory/map"),
        (admin, "departments", "/directory/departments"),
        (admin, "people", "/directory/users"),
        (admin, "outbox", "/reviews/admin/outbox"),
        (admin, "audit of a charter", f"/charters/{charter_id}/audit"),
        (admin, "API charters, administrator", "/api/v1/charters"),
        (head, "API charters, head", "/api/v1/charters"),
        (head, "API notifications", "/api/v1/notifications"),
    ]


def measure(url: str, runs: int) -> list[dict]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": FAST_HASH,
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})  # fmt: skip
    clients: dict[str, object] = {}
    rows = []
    for who, label, path in _targets(app):
        client = clients.get(who)
        if client is None:
            client = clients[who] = app.test_client()
            with app.app_context():
                _login(client, who)
        counted = [0]

        def count(*_args, counted=counted, **_kw):
            counted[0] += 1

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        try:
            answer = client.get(path)
            statements = counted[0]
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
        finally:
            with app.app_context():
                event.remove(db.engine, "before_cursor_execute", count)
        times.sort()
        rows.append(
            {
                "label": label,
                "status": answer.status_code,
                "statements": statements,
                "median": statistics.median(times),
                "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
                "kb": len(answer.data) / 1024,
            }
        )
    with app.app_context():
        db.engine.dispose()
    return rows


def _print(title: str, rows: list[dict]) -> None:
    print(f"\n== {title}")
    print(f"{'page':32} {'status':>6} {'stmts':>6} {'median ms':>10} {'p95 ms':>8} {'KB':>8}")
    for r in rows:
        print(f"{r['label']:32} {r['status']:>6} {r['statements']:>6} {r['median']:>10.1f} "
              f"{r['p95']:>8.1f} {r['kb']:>8.1f}")  # fmt: skip


# ---------------------------------------------------------------- throughput under gunicorn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(args: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def _wrk(url: str, cookie: str | None, seconds: int) -> float:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:  # an error page is fast: its rate would mean nothing
        raise SystemExit(f"{url} answered errors under wrk:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def throughput(url: str, seconds: int) -> None:
    if shutil.which("wrk") is None:
        print("\n(wrk is not installed: apt-get install wrk for the throughput ratios)")
        return
    folder = Path(tempfile.mkdtemp())
    (folder / "bare.py").write_text(BARE_APP)
    port = _free_port()
    bare = _serve([str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py",
                   "--chdir", str(folder), "bare:app"], _env(url, port), port)  # fmt: skip
    try:
        hello = _wrk(f"http://127.0.0.1:{port}/", None, seconds)
    finally:
        bare.send_signal(signal.SIGTERM)
        bare.wait()
    port = _free_port()
    web = _serve([str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:app"],
                 _env(url, port), port)  # fmt: skip
    try:
        import http.cookiejar
        import urllib.parse
        import urllib.request

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{port}"
        login = opener.open(base + "/login").read().decode()
        token = CSRF_RE.search(login).group(1)
        head = head_with_most_charters()
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            if db.session.scalar(select(User.id).where(User.email == head)) is None:
                head = f"thomas.garnier@{data.EMAIL_DOMAIN}"
            charter_id = _charter_of(head)  # one the head reads (else wrk measures a 404)
            db.engine.dispose()
        form = {"email": head, "password": data.DEMO_PASSWORD, "csrf_token": token}
        opener.open(base + "/login", urllib.parse.urlencode(form).encode())
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        print(f"\n== throughput, gunicorn 2 workers, wrk 16 connections, {seconds} s each")
        print(f"bare Flask hello: {hello:,.0f} requests/s")
        pages = (("login page", "/login"), ("home, head", "/"),
                 ("charter page", f"/charters/{charter_id}"), ("inbox", "/inbox"))  # fmt: skip
        for label, path in pages:
            rate = _wrk(base + path, None if path == "/login" else cookie, seconds)
            print(f"{label:16} {rate:8,.0f} requests/s = {rate / hello:6.1%} of bare Flask")
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="an empty database (default: SQLite in a temp folder)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--wrk", action="store_true", help="also the throughput under gunicorn")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'scale.sqlite'}"
    _fresh(url)
    _seed_demo(url)
    _print("demo organisation", measure(url, args.runs))
    if args.wrk:
        throughput(url, args.seconds)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": FAST_HASH})
    with app.app_context():
        started = time.perf_counter()
        counts = add_scale()
        db.engine.dispose()
    print("\nadded " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
          + f" in {time.perf_counter() - started:.0f} s")  # fmt: skip
    _print("at scale: 200 more departments, 5,000 more charters", measure(url, args.runs))
    if args.wrk:
        throughput(url, args.seconds)


if __name__ == "__main__":
    main()
