"""Ten heads sign ten different charters at the same moment, on SQLite, over real HTTP.

Each request is the final signature that puts its charter in force, so the signed PDF's
render is in play. Prints the number of 5xx answers, of "database is locked" errors, the
time per signature (median, max) and the wall time of the whole burst.

Run: .venv/bin/python benchmarks/bench_signing.py [--clients 10] [--fast-hash]
(a threaded werkzeug server on a free port, SQLite in a temp folder; ``--fast-hash`` uses
cheap password hashes so the figures show the lock, not the re-authentication's hashing).
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import g, has_request_context, request  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from sla_contracts import create_app  # noqa: E402
from sla_contracts.api.auth import issue_token  # noqa: E402
from sla_contracts.auth.passwords import hash_password  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Charter,
    CharterStatus,
    CharterVersion,
    Commitment,
    CustomerCriterion,
    Department,
    Direction,
    Membership,
    Role,
    Signature,
    User,
)

PASSWORD = "benchmark password"
LOCKED = "database is locked"


class ErrorLog(logging.Handler):
    """Collect the server's logged exceptions (a 500 hides its cause from the client)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.texts.append(text)


def seed(clients: int) -> list[dict]:
    """``clients`` pairs of departments, each with a draft ready to submit; return the pairs."""
    criterion = CustomerCriterion(
        name="Out-of-stock",
        definition="Share of products missing on the shelf.",
        unit="%",
        direction=Direction.LOWER_IS_BETTER,
        target=2.0,
    )
    db.session.add(criterion)
    password_hash = hash_password(PASSWORD)
    now = datetime.now(UTC)
    pairs = []
    for n in range(clients):
        heads = []
        departments = []
        for side in ("A", "B"):
            department = Department(name=f"Department {side}{n}", code=f"{side}{n}")
            user = User(
                email=f"head.{side.lower()}{n}@example.com",
                name=f"Head {side}{n}",
                password_hash=password_hash,
                locale="fr",
            )
            db.session.add_all([department, user])
            db.session.flush()
            db.session.add(Membership(user_id=user.id, department_id=department.id, role=Role.HEAD))
            heads.append(user)
            departments.append(department)
        charter = Charter(
            title=f"Charter {n}",
            department_a_id=departments[0].id,
            department_b_id=departments[1].id,
            criterion=criterion,
            review_cadence_months=3,
            status=CharterStatus.DRAFT,
            created_by_id=heads[0].id,
        )
        db.session.add(charter)
        db.session.flush()
        for position, department in enumerate(departments, start=1):
            for k in range(4):
                db.session.add(
                    Commitment(
                        charter_id=charter.id,
                        provider_department_id=department.id,
                        title=f"Commitment {k + 1} of {department.code}",
                        service_standard="Answer store requests within 48 h",
                        indicator="Share of requests answered within 48 h",
                        target="95",
                        unit="%",
                        measurement_method="Ticket timestamps",
                        measurement_frequency="Monthly",
                        customer_impact="Fewer empty shelves for the customer",
                        position=position * 10 + k,
                    )
                )
        pairs.append(
            {
                "charter_id": charter.id,
                "token_a": issue_token(heads[0], now)[0],
                "token_b": issue_token(heads[1], now)[0],
            }
        )
    db.session.commit()
    return pairs


def watch_signature_commits(recorded: dict[str, float]) -> None:
    """Note when each request's transaction holding a new signature commits (by X-Bench-Id)."""

    @event.listens_for(db.session, "after_flush")
    def _flushed(session, _context):
        if has_request_context() and any(isinstance(o, Signature) for o in session.new):
            g.bench_signature_flushed = True

    @event.listens_for(db.session, "after_commit")
    def _committed(session):
        if session.in_nested_transaction():
            return  # a savepoint's release, not the commit
        if has_request_context() and g.pop("bench_signature_flushed", False):
            recorded.setdefault(request.headers.get("X-Bench-Id", ""), time.perf_counter())


def post(
    port: int, path: str, token: str, body: dict | None = None, bench_id: str = ""
) -> tuple[int, dict, float, float]:
    """POST JSON; return the status, the decoded answer, when it was sent and how long it took."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    payload = json.dumps(body or {})
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "X-Bench-Id": bench_id,
    }
    started = time.perf_counter()
    connection.request("POST", path, body=payload, headers=headers)
    response = connection.getresponse()
    raw = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {"raw": raw.decode("utf-8", "replace")[:500]}
    return response.status, answer, started, elapsed


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-signing-") as folder:
        run(Path(folder))


def run(folder: Path) -> None:
    """Seed, race the final signatures, print the figures; the database lives in ``folder``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--fast-hash", action="store_true", help="cheap password hashes")
    args = parser.parse_args()

    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
        "SECRET_KEY": "benchmark",
        "RATELIMIT_ENABLED": False,
        "SCHEDULER_IN_PROCESS": False,
        "MAIL_SERVER": "",
        "BASE_URL": "http://127.0.0.1:5000",
    }
    if args.fast_hash:
        config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    app = create_app(config)
    committed: dict[str, float] = {}
    watch_signature_commits(committed)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines

    with app.app_context():
        db.create_all()
        pairs = seed(args.clients)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    try:
        # Submitted and signed by side A, one after the other: the race is the final signature.
        for pair in pairs:
            charter_id = pair["charter_id"]
            submit = f"/api/v1/charters/{charter_id}/submit"
            status, answer, *_ = post(port, submit, pair["token_a"])
            assert status == 201, (status, answer)
            sign = {"version": answer["number"], "password": PASSWORD}
            status, answer, *_ = post(
                port, f"/api/v1/charters/{charter_id}/sign", pair["token_a"], sign
            )
            assert status == 201, (status, answer)
            pair["body"] = sign
        errors.texts.clear()
        committed.clear()

        barrier = threading.Barrier(len(pairs))
        results: list[tuple[int, dict, float, float] | None] = [None] * len(pairs)

        def final_signature(index: int) -> None:
            pair = pairs[index]
            barrier.wait()
            path = f"/api/v1/charters/{pair['charter_id']}/sign"
            results[index] = post(port, path, pair["token_b"], pair["body"], str(index))

        clients = [threading.Thread(target=final_signature, args=(i,)) for i in range(len(pairs))]
        started = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        wall = time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()

    statuses = [r[0] for r in results]
    times = [r[3] for r in results]
    recorded = [committed[str(i)] - r[2] for i, r in enumerate(results) if str(i) in committed]
    server_errors = sum(1 for s in statuses if s >= 500)
    locked = sum(1 for text in errors.texts if LOCKED in text) + sum(
        1 for r in results if LOCKED in json.dumps(r[1])
    )
    with app.app_context():
        active = db.session.scalar(
            select(func.count(Charter.id)).where(Charter.status == CharterStatus.ACTIVE)
        )
        stored = db.session.scalar(
            select(func.count(CharterVersion.id)).where(CharterVersion.pdf_sha256.is_not(None))
        )
    hashing = "fast (pbkdf2 1,000)" if args.fast_hash else "production (pbkdf2 1,000,000)"
    print(f"clients: {len(pairs)} concurrent final signatures, SQLite, password hash {hashing}")
    print(f"statuses: {sorted(statuses)}")
    print(f"5xx answers: {server_errors}")
    print(f"'database is locked': {locked}")
    print(f"time per signature: median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    if recorded:
        print(
            f"signature committed after: median {statistics.median(recorded):.2f} s, "
            f"max {max(recorded):.2f} s (from the request being sent)"
        )
    print(f"wall time: {wall:.2f} s")
    print(f"charters in force: {active}/{len(pairs)}, signed PDFs stored: {stored}/{len(pairs)}")


if __name__ == "__main__":
    main()
