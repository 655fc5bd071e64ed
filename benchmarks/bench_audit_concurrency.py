"""Audited writes under load: gunicorn (2 workers), 32 API clients, an intact chain afterwards.

Every audited action appends to one hash chain. This starts gunicorn with two gthread workers on
a fresh database, seeds a small organisation, then 32 client threads (http.client, bearer
tokens) send about 320 requests mixing department creations (admin), charter edits (PATCH with
``lock_version``: a 409 is a correct answer), new commitments, signatures (submit + two signs)
and PDF downloads. Prints the answers per kind and status, the 5xx count, any HTML answer on an
API path, the causes the server logged, and ``flask --app app verify-audit`` afterwards.

Run: .venv/bin/python benchmarks/bench_audit_concurrency.py [--db postgresql|sqlite|both]
     [--clients 32] [--requests 320] [--workers 2] [--threads 8]
PostgreSQL: database ``reciproque_bench_audit`` on 127.0.0.1:5432 (user postgres), recreated.
SQLite: a file in a temporary folder. Passwords use fast hashes (PASSWORD_HASH_METHOD).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from sla_contracts import create_app  # noqa: E402
from sla_contracts.api.auth import issue_token  # noqa: E402
from sla_contracts.auth.passwords import hash_password  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Charter,
    CharterStatus,
    Commitment,
    CustomerCriterion,
    Department,
    Direction,
    Membership,
    Role,
    User,
)

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/reciproque_bench_audit"
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "benchmark password"
PAIRS = 8  # department pairs, each with a shared draft that several clients edit
COMMITMENT = {
    "title": "Answer store requests",
    "service_standard": "Within 48 h",
    "indicator": "Share answered within 48 h",
    "target": "95",
    "unit": "%",
    "measurement_method": "Ticket timestamps",
    "measurement_frequency": "Monthly",
    "customer_impact": "Fewer empty shelves for the customer",
}
CAUSES = ("IntegrityError", "deadlock detected", "database is locked", "OperationalError")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _commitments(charter: Charter, departments: list[Department]) -> list[Commitment]:
    return [
        Commitment(charter_id=charter.id, provider_department_id=d.id, position=n, **COMMITMENT)
        for n, d in enumerate(departments)
    ]


def seed(signing_charters: int) -> dict:
    """An admin, PAIRS pairs of heads, a shared draft per pair, drafts ready to sign."""
    now = datetime.now(UTC)
    password_hash = hash_password(PASSWORD)
    criterion = CustomerCriterion(
        name="Out-of-stock",
        definition="Share of products missing on the shelf.",
        unit="%",
        direction=Direction.LOWER_IS_BETTER,
        target=2.0,
    )
    admin = User(email="admin@example.com", name="Admin", password_hash=password_hash)
    admin.is_admin = True
    db.session.add_all([criterion, admin])
    db.session.flush()
    pairs = []
    for n in range(PAIRS):
        heads, departments = [], []
        for side in ("A", "B"):
            department = Department(name=f"Department {side}{n}", code=f"{side}{n}")
            user = User(
                email=f"head.{side.lower()}{n}@example.com",
                name=f"Head {side}{n}",
                password_hash=password_hash,
            )
            db.session.add_all([department, user])
            db.session.flush()
            db.session.add(Membership(user_id=user.id, department_id=department.id, role=Role.HEAD))
            heads.append(user)
            departments.append(department)

        def draft(title: str, heads=heads, departments=departments) -> int:
            charter = Charter(
                title=title,
                department_a_id=departments[0].id,
                department_b_id=departments[1].id,
                criterion=criterion,
                review_cadence_months=3,
                status=CharterStatus.DRAFT,
                created_by_id=heads[0].id,
            )
            db.session.add(charter)
            db.session.flush()
            db.session.add_all(_commitments(charter, departments))
            return charter.id

        pairs.append(
            {
                "departments": [d.id for d in departments],
                "tokens": [issue_token(h, now)[0] for h in heads],
                "draft": draft(f"Shared draft {n}"),
                "signed": draft(f"Signed charter {n}"),
                "to_sign": [
                    draft(f"To sign {n}.{k}") for k in range(signing_charters // PAIRS + 1)
                ],
            }
        )
    tokens = {"admin": issue_token(admin, now)[0]}
    db.session.commit()
    return {"pairs": pairs, "tokens": tokens}


class Client:
    """One HTTP answer per call: status, JSON (or None), and whether it was HTML."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, token: str, body: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Authorization": f"Bearer {token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        kind = response.getheader("Content-Type", "")
        connection.close()
        answer = json.loads(raw) if kind.startswith("application/json") else None
        return response.status, answer, kind.startswith("text/html")


def start_gunicorn(url: str, port: int, workers: int, threads: int, log: Path):
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY="benchmark",
        PASSWORD_HASH_METHOD=FAST_HASH,
        SCHEDULER_IN_PROCESS="0",
        MAIL_SERVER="",
        BASE_URL=f"http://127.0.0.1:{port}",
    )
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        *("--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads)),
        *("--bind", f"127.0.0.1:{port}", "--timeout", "120", "app:app"),
    ]
    handle = log.open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=handle)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, env
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"gunicorn did not start: see {log}")


def plan(seeded: dict, requests: int, rng: random.Random) -> list[tuple[str, dict]]:
    """Tasks of about ``requests`` HTTP requests in all, shuffled."""
    tasks: list[tuple[str, dict]] = []
    to_sign = [(p, c) for p in seeded["pairs"] for c in p["to_sign"]]
    counts = {"department": 0, "edit": 0, "commitment": 0, "sign": 0, "download": 0}
    cost = {"department": 1, "edit": 2, "commitment": 1, "sign": 3, "download": 1}
    budget = requests
    kinds = list(cost)
    while budget > 0:
        kind = kinds[len(tasks) % len(kinds)]
        if kind == "sign" and counts["sign"] >= len(to_sign):
            kind = "download"
        pair = seeded["pairs"][rng.randrange(PAIRS)]
        if kind == "sign":
            pair, charter_id = to_sign[counts["sign"]]
            tasks.append((kind, {"pair": pair, "charter": charter_id}))
        else:
            tasks.append((kind, {"pair": pair, "n": len(tasks)}))
        counts[kind] += 1
        budget -= cost[kind]
    rng.shuffle(tasks)
    return tasks


def run_task(client: Client, seeded: dict, kind: str, task: dict, record) -> None:
    pair = task["pair"]
    token_a, token_b = pair["tokens"]
    if kind == "department":
        n = task["n"]
        body = {"name": f"New department {n}", "code": f"N{n}"}
        record(kind, *client.call("POST", "/api/v1/departments", seeded["tokens"]["admin"], body))
    elif kind == "edit":
        path = f"/api/v1/charters/{pair['draft']}"
        status, answer, html = client.call("GET", path, token_a)
        record("edit (GET)", status, answer, html)
        if status == 200:
            body = {"lock_version": answer["lock_version"], "title": f"Shared draft {task['n']}"}
            record(kind, *client.call("PATCH", path, token_a, body))
    elif kind == "commitment":
        path = f"/api/v1/charters/{pair['draft']}/commitments"
        body = {"provider_department_id": pair["departments"][0], **COMMITMENT}
        record(kind, *client.call("POST", path, token_a, body))
    elif kind == "sign":
        charter = task["charter"]
        status, answer, html = client.call(
            "POST", f"/api/v1/charters/{charter}/submit", token_a, {}
        )
        record("submit", status, answer, html)
        if status != 201:
            return
        sign = {"version": answer["number"], "password": PASSWORD}
        for token in (token_a, token_b):
            record(kind, *client.call("POST", f"/api/v1/charters/{charter}/sign", token, sign))
    else:
        path = f"/api/v1/charters/{pair['signed']}/versions/1/pdf"
        record(kind, *client.call("GET", path, token_b))


def prepare_downloads(client: Client, seeded: dict) -> None:
    """Submit and sign each pair's charter to download, one after the other."""
    for pair in seeded["pairs"]:
        charter = pair["signed"]
        status, answer, _html = client.call(
            "POST", f"/api/v1/charters/{charter}/submit", pair["tokens"][0], {}
        )
        assert status == 201, (status, answer)
        sign = {"version": answer["number"], "password": PASSWORD}
        for token in pair["tokens"]:
            status, answer, _html = client.call(
                "POST", f"/api/v1/charters/{charter}/sign", token, sign
            )
            assert status == 201, (status, answer)


def bench(backend: str, args) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    if backend == "postgresql":
        url = PG_URL
        fresh_postgres(url)
    else:
        url = f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "SCHEDULER_IN_PROCESS": False,
            "MAIL_SERVER": "",
        }
    )
    signings = max(1, args.requests // 15)
    with app.app_context():
        db.create_all()
        seeded = seed(signings)
        db.engine.dispose()

    port = free_port()
    log = folder / "gunicorn.log"
    process, env = start_gunicorn(url, port, args.workers, args.threads, log)
    client = Client(port)
    answers: collections.Counter = collections.Counter()
    html_answers: list[str] = []
    lock = threading.Lock()

    def record(kind: str, status: int, _answer, html: bool) -> None:
        with lock:
            answers[(kind, status)] += 1
            if html:
                html_answers.append(f"{kind} -> {status}")

    try:
        prepare_downloads(client, seeded)
        tasks = plan(seeded, args.requests, random.Random(21))
        queue = collections.deque(tasks)
        failures: list[str] = []

        def worker() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    kind, task = queue.popleft()
                try:
                    run_task(client, seeded, kind, task, record)
                except Exception as error:  # noqa: BLE001 - a client failure is a figure too
                    with lock:
                        failures.append(f"{kind}: {type(error).__name__}: {error}")

        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(30)

    verify = subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "app", "verify-audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    logged = log.read_text(errors="replace")
    total = sum(answers.values())
    server_errors = sum(n for (_kind, status), n in answers.items() if status >= 500)
    print(f"== {backend}: gunicorn {args.workers} workers x {args.threads} threads (gthread), ")
    print(f"   {args.clients} clients, {total} requests in {wall:.1f} s")
    by_status = collections.Counter()
    for (_kind, status), n in answers.items():
        by_status[status] += n
    print("   per status: " + ", ".join(f"{s}: {n}" for s, n in sorted(by_status.items())))
    for (kind, status), n in sorted(answers.items()):
        print(f"     {kind:<12} {status}: {n}")
    print(f"   5xx answers: {server_errors}")
    print(f"   HTML answers on API paths: {len(html_answers)} {html_answers[:5]}")
    print(f"   client failures: {len(failures)} {failures[:3]}")
    for cause in CAUSES:
        count = len(re.findall(re.escape(cause), logged))
        if count:
            print(f"   server log mentions {cause!r}: {count}")
    print(f"   verify-audit (exit {verify.returncode}): {(verify.stdout + verify.stderr).strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=320)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    for backend in ("postgresql", "sqlite") if args.db == "both" else (args.db,):
        bench(backend, args)


if __name__ == "__main__":
    main()
