"""Benchmark the charter page's poll, GET /charters/<id>/live (prints figures; not a test).

    .venv/bin/python benchmarks/bench_live_poll.py [--calls 500] [--database-url URL]

A draft with 12 commitments, 30 comments and 40 revisions, five people with the page open.
A signed-in head polls it through the Flask test client (the whole Flask request: session
cookie, routing, the view, the security headers; not the network nor gunicorn's parsing):

- 304, presence fresh: nothing changed and the person's presence row is recent (3 polls
  out of 4 at a poll every 5 s with a 20 s refresh);
- 304, presence written: the same, but the presence row is older than the refresh interval
  (1 poll out of 4);
- 200: the page holds no ETag and others made 10 changes since it was loaded.

Then what 200 open pages polling every 5 s cost: 40 polls a second, three 304s out of four
fresh and one written, as a share of one core. Goal: at most 2 statements and under 5 ms
for a 304, under a fifth of a core for 200 pages.

``--gunicorn`` then checks that figure for real: gunicorn (2 gthread workers) serves a database
of 100 drafts, 200 threads each act as one open page (its own person, a poll every 5 s with
If-None-Match, a new connection each time) for ``--seconds``, and the CPU the gunicorn processes
used (Linux /proc) is divided by the time: the share of one core 200 open pages cost.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, update  # noqa: E402

from sla_contracts import create_app  # noqa: E402
from sla_contracts.auth.passwords import hash_password  # noqa: E402
from sla_contracts.charters import live  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Charter,
    CharterPresence,
    Comment,
    Commitment,
    CustomerCriterion,
    Department,
    Direction,
    Membership,
    Revision,
    Role,
    User,
)
from sla_contracts.timeutil import utcnow  # noqa: E402

PAGES, POLL_SECONDS = 200, 5
ROOT = Path(__file__).resolve().parent.parent


def seed() -> tuple[Charter, User]:
    db.drop_all()
    db.create_all()
    now = utcnow()
    log = Department(name="Logistique", code="LOG")
    mag = Department(name="Magasins", code="MAG")
    criterion = CustomerCriterion(
        name="Taux de rupture en rayon",
        definition="Part des références absentes du rayon à l'ouverture.",
        unit="%",
        direction=Direction.LOWER_IS_BETTER,
        target=2.0,
    )
    password = hash_password("demo")
    people = [
        User(email=f"p{i}@example.com", name=f"Personne {i}", password_hash=password, locale="fr")
        for i in range(6)
    ]
    db.session.add_all([log, mag, criterion, *people])
    db.session.flush()
    for i, person in enumerate(people):
        role = Role.HEAD if i < 2 else Role.MEMBER
        db.session.add(Membership(user=person, department=(log, mag)[i % 2], role=role))
    charter = Charter(
        title="Logistique ⇄ Magasins",
        department_a_id=log.id,
        department_b_id=mag.id,
        criterion_id=criterion.id,
        updated_at=now - timedelta(hours=1),
    )
    db.session.add(charter)
    db.session.flush()
    for i in range(12):
        db.session.add(
            Commitment(
                charter_id=charter.id,
                provider_department_id=(log.id, mag.id)[i % 2],
                title=f"Engagement {i}",
                service_standard="Chaque magasin livré avant l'ouverture.",
                indicator="Part des livraisons avant 7 h",
                target="98",
                unit="%",
                customer_impact="Des rayons pleins à l'ouverture.",
                position=i,
            )
        )
    for i in range(40):
        db.session.add(
            Revision(
                charter_id=charter.id,
                number=i + 1,
                author_id=people[i % 2].id,
                created_at=now - timedelta(hours=2) + timedelta(minutes=i),
                action="commitment_updated",
                summary=f"Engagement {i % 12}",
                snapshot={},
            )
        )
    for i in range(30):
        db.session.add(
            Comment(
                charter_id=charter.id,
                author_id=people[i % 6].id,
                body="Pouvons-nous dire 6 h ?",
                created_at=now - timedelta(hours=2) + timedelta(minutes=i),
            )
        )
    for person in people[1:]:
        db.session.add(CharterPresence(charter_id=charter.id, user_id=person.id, seen_at=now))
    db.session.commit()
    return charter, people[0]


Figures = tuple[list[float], list[float], list[int], int]


def measure(client, engine, url: str, calls: int, *, etag: str | None, stale: bool,
            charter_id: int, user_id: int) -> Figures:  # fmt: skip
    """Poll ``calls`` times; return wall times, CPU times (ms), statements and the status."""
    counted: list[int] = []

    def count(*_args, **_kw):
        counted[-1] += 1

    times, cpu, statuses = [], [], set()
    for _ in range(calls):
        if stale:
            with engine.begin() as conn:
                conn.execute(
                    update(CharterPresence)
                    .where(
                        CharterPresence.charter_id == charter_id,
                        CharterPresence.user_id == user_id,
                    )
                    .values(seen_at=utcnow() - live.PRESENCE_REFRESH)
                )
        headers = {"If-None-Match": etag} if etag else {}
        counted.append(0)
        event.listen(engine, "before_cursor_execute", count)
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        event.remove(engine, "before_cursor_execute", count)
        statuses.add(response.status_code)
    (status,) = statuses
    return times, cpu, counted, status


def report(label: str, times: list[float], cpu: list[float], counted: list[int], status: int):
    """Print a line of figures; return the median wall time and the median CPU time (ms)."""
    median, median_cpu = statistics.median(times), statistics.median(cpu)
    p95 = statistics.quantiles(times, n=20)[18]
    # SQLite opens every transaction with BEGIN IMMEDIATE: counted, though not a query.
    print(
        f"{label:<22} {status}  median {median:6.2f} ms  p95 {p95:6.2f} ms  "
        f"(web CPU {median_cpu:5.2f} ms)  statements {min(counted)}–{max(counted)}"
    )
    return median, median_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--gunicorn", action="store_true", help="also serve with gunicorn and poll over HTTP"
    )
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False}
        )
        with app.app_context():
            charter, person = seed()
            charter_id, user_id, email = charter.id, person.id, person.email
            db.session.remove()
        with app.app_context():
            engine = db.engine
        # Each request pushes its own app context (its own session), as in production.
        client = app.test_client()
        login = client.post("/login", data={"email": email, "password": "demo"})
        assert login.status_code == 302
        since = (utcnow() - timedelta(minutes=100)).isoformat()
        poll = f"/charters/{charter_id}/live?since={since.replace('+', '%2B')}"
        first = client.get(poll)
        assert first.status_code == 200, first.get_data(as_text=True)[:300]
        etag = first.headers["ETag"]
        changes = len(first.get_json()["changes"])
        print(f"{url.split(':')[0]}: {args.calls} calls each; the 200 answer: {len(first.data)} "
              f"bytes, {changes} changes")  # fmt: skip
        common = {"charter_id": charter_id, "user_id": user_id}
        fresh = report(
            "304, presence fresh",
            *measure(client, engine, poll, args.calls, etag=etag, stale=False, **common),
        )
        written = report(
            "304, presence written",
            *measure(client, engine, poll, args.calls, etag=etag, stale=True, **common),
        )
        report(
            f"200, {changes} changes",
            *measure(client, engine, poll, args.calls, etag=None, stale=False, **common),
        )
        writes = POLL_SECONDS / live.PRESENCE_REFRESH.total_seconds()
        rate = PAGES / POLL_SECONDS
        for name, index in (("server time", 0), ("web CPU only", 1)):
            per_poll = (1 - writes) * fresh[index] + writes * written[index]
            print(
                f"{PAGES} open pages, a poll every {POLL_SECONDS} s, {name}: {rate:.0f} polls/s × "
                f"{per_poll:.2f} ms = {rate * per_poll / 1000:.1%} of one core (goal: under 20%)"
            )
        if url.startswith("sqlite"):
            print("(SQLite: the statements include BEGIN IMMEDIATE, which opens every transaction)")
        if args.gunicorn:
            run_gunicorn(url, args.pages, args.seconds, args.workers, args.threads)


# ---------------------------------------------------------------- the real thing: gunicorn


def seed_pages(pages: int) -> list[tuple[int, str]]:
    """``pages`` people, two per draft (one head each side); (charter id, Flask-Login id)."""
    db.drop_all()
    db.create_all()
    criterion = CustomerCriterion(
        name="Taux de rupture", definition="…", unit="%", direction=Direction.LOWER_IS_BETTER,
        target=2.0,
    )  # fmt: skip
    db.session.add(criterion)
    db.session.flush()
    seats = []
    for pair in range(pages // 2):
        sides = [Department(name=f"Dép {pair}-{s}", code=f"D{pair}S{s}") for s in (0, 1)]
        people = [
            User(email=f"p{pair}-{s}@example.com", name=f"Personne {pair}-{s}", password_hash="-")
            for s in (0, 1)
        ]
        db.session.add_all([*sides, *people])
        db.session.flush()
        for side, person in zip(sides, people, strict=True):
            db.session.add(Membership(user=person, department=side, role=Role.HEAD))
        charter = Charter(
            title=f"Charte {pair}",
            department_a_id=sides[0].id,
            department_b_id=sides[1].id,
            criterion_id=criterion.id,
        )
        db.session.add(charter)
        db.session.flush()
        seats += [(charter.id, person.get_id()) for person in people]
    db.session.commit()
    return seats


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process and its children (Linux /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def page_loop(port, path, cookie, stop, results, lock):
    """One open page: a poll every POLL_SECONDS with If-None-Match, like app.js."""
    time.sleep(random.uniform(0, POLL_SECONDS))  # pages opened at different moments
    etag = None
    while not stop.is_set():
        started = time.perf_counter()
        headers = {"Cookie": f"session={cookie}", "Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        # A new connection per poll, as a proxy in front of gunicorn opens them (nginx speaks
        # HTTP/1.0 to its upstream by default): the worst case for the server.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
            etag = response.getheader("ETag") or etag
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        with lock:
            results.append((time.monotonic(), status, elapsed * 1000))
        stop.wait(max(0.0, POLL_SECONDS - elapsed))


def run_gunicorn(url: str, pages: int, seconds: int, workers: int, threads: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    with app.app_context():
        seats = seed_pages(pages)
        db.session.remove()
        db.engine.dispose()
    serializer = app.session_interface.get_signing_serializer(app)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="benchmark", SCHEDULER_IN_PROCESS="0")
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        *("--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads)),
        *("--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:app"),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        since = utcnow().isoformat().replace("+", "%2B")
        stop, lock, results = threading.Event(), threading.Lock(), []
        loops = [
            threading.Thread(
                target=page_loop,
                args=(
                    port,
                    f"/charters/{charter_id}/live?since={since}",
                    serializer.dumps({"_user_id": user_id, "_fresh": True}),
                    stop,
                    results,
                    lock,
                ),  # fmt: skip
                daemon=True,
            )
            for charter_id, user_id in seats
        ]
        for loop in loops:
            loop.start()
        time.sleep(POLL_SECONDS * 3)  # every page open and polling
        cpu_start, wall_start = cpu_seconds(server.pid), time.monotonic()
        time.sleep(seconds)
        cpu_used, wall = cpu_seconds(server.pid) - cpu_start, time.monotonic() - wall_start
        stop.set()
        for loop in loops:
            loop.join(timeout=35)
    finally:
        server.terminate()
        server.wait(timeout=30)
    measured = [r for r in results if wall_start <= r[0] <= wall_start + wall]
    statuses = {
        status: sum(1 for r in measured if r[1] == status) for status in {r[1] for r in measured}
    }
    latencies = [r[2] for r in measured]
    print(
        f"gunicorn {workers} workers × {threads} threads, {len(seats)} open pages polling every "
        f"{POLL_SECONDS} s, {wall:.0f} s measured: {len(measured) / wall:.1f} polls/s, "
        f"answers {statuses}"
    )  # fmt: skip
    print(
        f"  round trip median {statistics.median(latencies):.2f} ms, "
        f"p95 {statistics.quantiles(latencies, n=20)[18]:.2f} ms; gunicorn CPU "
        f"{cpu_used:.2f} s in {wall:.0f} s = {cpu_used / wall:.1%} of one core "
        f"(goal: under 20%; the database's own CPU not counted)"
    )


if __name__ == "__main__":
    main()
