"""The company at scale, added to the demo organisation (issue 16, point 3).

``add_scale()`` adds to a seeded demo: 200 departments, each with a head and three members,
5,000 charters between them in every state (drafts, awaiting signatures, in force, ended,
expired), two commitments each way, frozen versions with their real content and fingerprint,
the signatures, a closed review and the next one for each charter in force, a year of monthly
readings for their commitments, and inbox messages for every head. One head, of ``S001``, is
on a hundred charters (the issue's "head with 100 charters").

Rows go straight into the tables (one INSERT per table and batch), except the versions' content,
which is the real ``charters.history.snapshot`` of each charter, so that the charter and version
pages read what they read in production. The audit chain is not extended (verify-audit is not
what these figures are about). About a minute on SQLite.

    .venv/bin/python -m benchmarks.scale --database sqlite:////tmp/scale.sqlite
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from sla_contracts.auth.passwords import hash_password  # noqa: E402
from sla_contracts.backup import refresh_statistics  # noqa: E402
from sla_contracts.charters.history import snapshot  # noqa: E402
from sla_contracts.demo import data  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Charter,
    CharterStatus,
    CharterVersion,
    Commitment,
    CustomerCriterion,
    Department,
    Membership,
    Notification,
    Reading,
    Review,
    ReviewStatus,
    Role,
    Signature,
    User,
    measure_columns,
)
from sla_contracts.signing.versions import canonical_json, sha256_hex  # noqa: E402

DOMAIN = "scale.example"
# Share of each state among the 5,000 charters (in force the most, as in a company that uses it).
STATES = (
    (CharterStatus.ACTIVE, 60),
    (CharterStatus.DRAFT, 15),
    (CharterStatus.AWAITING_SIGNATURES, 10),
    (CharterStatus.ENDED, 7),
    (CharterStatus.EXPIRED, 8),
)
COMMITMENTS = (
    {
        "title": "Répondre sous 4 h ouvrées",
        "service_standard": "Toute demande reçoit une réponse dans les 4 heures ouvrées.",
        "indicator": "Part des demandes répondues sous 4 h",
        "target": "95",
        "unit": "%",
        "measurement_frequency": "Mensuelle",
        "customer_impact": "Le client final obtient une réponse le jour même.",
    },
    {
        "title": "Livrer complet",
        "service_standard": "Chaque commande part complète ou le manque est signalé la veille.",
        "indicator": "Taux de commandes complètes",
        "target": "98",
        "unit": "%",
        "measurement_frequency": "Mensuelle",
        "customer_impact": "Des rayons pleins à l'ouverture.",
    },
)


def _state_of(n: int) -> CharterStatus:
    slot = n % 100
    for state, share in STATES:
        if slot < share:
            return state
        slot -= share
    return CharterStatus.ACTIVE


def _months_back(until: date, months: int) -> list[date]:
    starts, year, month = [], until.year, until.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts


def add_scale(departments: int = 200, charters: int = 5000, *, seed: int = 16) -> dict[str, int]:
    """Add the company at scale to the current database (a seeded demo); count what was added."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    password = hash_password(data.DEMO_PASSWORD)
    admin_id = db.session.scalar(select(User.id).where(User.is_admin.is_(True)))
    criteria = list(db.session.scalars(select(CustomerCriterion.id).order_by(CustomerCriterion.id)))

    db.session.execute(
        insert(Department),
        [
            {"name": f"Département {i:03d}", "code": f"S{i:03d}", "created_at": now}
            for i in range(1, departments + 1)
        ],
    )
    dept_ids = list(
        db.session.scalars(
            select(Department.id)
            .where(Department.name.like("Département %"))
            .order_by(Department.code)
        )
    )
    people = []
    for i in range(1, departments + 1):
        people.append({"email": f"head.s{i:03d}@{DOMAIN}", "name": f"Cheffe S{i:03d}"})
        people += [
            {"email": f"member{k}.s{i:03d}@{DOMAIN}", "name": f"Membre {k} S{i:03d}"}
            for k in (1, 2, 3)
        ]
    db.session.execute(
        insert(User), [{**p, "password_hash": password, "locale": "fr"} for p in people]
    )
    user_ids = dict(
        db.session.execute(select(User.email, User.id).where(User.email.like(f"%@{DOMAIN}"))).all()
    )
    memberships, heads = [], {}
    for i, dept_id in enumerate(dept_ids, start=1):
        heads[dept_id] = user_ids[f"head.s{i:03d}@{DOMAIN}"]
        memberships.append({"user_id": heads[dept_id], "department_id": dept_id, "role": Role.HEAD})
        memberships += [
            {
                "user_id": user_ids[f"member{k}.s{i:03d}@{DOMAIN}"],
                "department_id": dept_id,
                "role": Role.MEMBER,
            }
            for k in (1, 2, 3)
        ]
    db.session.execute(insert(Membership), memberships)

    codes = {d: f"S{i:03d}" for i, d in enumerate(dept_ids, start=1)}
    rows = []
    for n in range(charters):
        a = dept_ids[0] if n < 100 else rng.choice(dept_ids)
        others = len(dept_ids) - 1  # the first department has charters with each of the others
        b = rng.choice([d for d in dept_ids if d != a]) if n >= 100 else dept_ids[1 + n % others]
        state = _state_of(n)
        created = now - timedelta(days=400 - n % 300)
        rows.append(
            {
                "title": f"Charte {n:04d} : {codes[a]} ⇄ {codes[b]}",
                "department_a_id": a,
                "department_b_id": b,
                "criterion_id": criteria[n % len(criteria)],
                "review_cadence_months": 3,
                "term_months": 12,
                "status": state,
                "created_by_id": heads[a],
                "created_at": created,
                "updated_at": created + timedelta(days=3),
                "valid_until": (
                    today + timedelta(days=30 + n % 300)
                    if state == CharterStatus.ACTIVE
                    else today - timedelta(days=1 + n % 90)
                    if state == CharterStatus.EXPIRED
                    else None
                ),
                "expired_at": now - timedelta(days=n % 90)
                if state == CharterStatus.EXPIRED
                else None,
            }
        )
    db.session.execute(insert(Charter), rows)
    added = db.session.execute(
        select(Charter.id, Charter.department_a_id, Charter.department_b_id, Charter.status)
        .where(Charter.title.like("Charte %"))
        .order_by(Charter.id)
    ).all()
    db.session.execute(
        insert(Commitment),
        [
            {
                "charter_id": c.id,
                "provider_department_id": provider,
                "position": position,
                **spec,
                **measure_columns(spec),
                "created_by_id": heads[provider],
                "created_at": now - timedelta(days=200),
                "updated_at": now - timedelta(days=200),
            }
            for c in added
            for provider in (c.department_a_id, c.department_b_id)
            for position, spec in enumerate(COMMITMENTS, start=1)
        ],
    )
    db.session.flush()

    frozen = [c for c in added if c.status != CharterStatus.DRAFT]
    versions, signed_at = [], {}
    for chunk_start in range(0, len(frozen), 500):
        ids = [c.id for c in frozen[chunk_start : chunk_start + 500]]
        loaded = db.session.scalars(
            select(Charter)
            .where(Charter.id.in_(ids))
            .options(
                selectinload(Charter.commitments),
                selectinload(Charter.department_a),
                selectinload(Charter.department_b),
                selectinload(Charter.criterion),
            )
        ).all()
        for charter in loaded:
            content = canonical_json(snapshot(charter))
            frozen_at = charter.created_at + timedelta(days=5)
            in_force = charter.status != CharterStatus.AWAITING_SIGNATURES
            signed_at[charter.id] = frozen_at + timedelta(days=1)
            versions.append(
                {
                    "charter_id": charter.id,
                    "number": 1,
                    "content": content.decode("utf-8"),
                    "fingerprint": sha256_hex(content),
                    "language": "fr",
                    "created_at": frozen_at,
                    "created_by_id": heads[charter.department_a_id],
                    "activated_at": signed_at[charter.id] if in_force else None,
                    "valid_until": charter.valid_until,
                }
            )
        db.session.expunge_all()
    db.session.execute(insert(CharterVersion), versions)
    version_of = dict(
        db.session.execute(
            select(CharterVersion.charter_id, CharterVersion.id).where(
                CharterVersion.charter_id.in_([c.id for c in frozen])
            )
        ).all()
    )
    signatures = []
    for c in frozen:
        sides = (c.department_a_id, c.department_b_id)
        if c.status == CharterStatus.AWAITING_SIGNATURES:
            sides = sides[:1] if c.id % 2 else ()
        signatures += [
            {
                "version_id": version_of[c.id],
                "department_id": d,
                "user_id": heads[d],
                "signed_at": signed_at[c.id],
                "fingerprint": "0" * 64,
            }
            for d in sides
        ]
    db.session.execute(insert(Signature), signatures)

    active = [c for c in added if c.status == CharterStatus.ACTIVE]
    reviews = []
    for n, c in enumerate(active):
        held = now - timedelta(days=20 + n % 60)
        reviews.append(
            {
                "charter_id": c.id, "version_number": 1, "due_on": held.date(),
                "status": ReviewStatus.CLOSED, "held_at": held, "closed_at": held,
                "satisfaction_a_of_b": 1 + n % 5, "satisfaction_b_of_a": 1 + (n * 3) % 5,
                "irritants": f"Irritant n° {n % 40}", "criterion_value": 2.0 + n % 7 / 10,
            }
        )  # fmt: skip
        reviews.append(
            {
                "charter_id": c.id, "version_number": 1,
                "due_on": (held + timedelta(days=91)).date(), "status": ReviewStatus.PLANNED,
                "held_at": None, "closed_at": None, "satisfaction_a_of_b": None,
                "satisfaction_b_of_a": None, "irritants": "", "criterion_value": None,
            }
        )  # fmt: skip
    db.session.execute(
        insert(Review),
        [
            {**r, "created_at": now - timedelta(days=120), "updated_at": now, "lock_version": 1}
            for r in reviews
        ],
    )

    readings = 0
    starts = _months_back(today.replace(day=1) - timedelta(days=1), 12)
    measured = db.session.execute(
        select(Commitment.id, Commitment.charter_id).where(
            Commitment.charter_id.in_([c.id for c in active])
        )
    ).all()
    batch = []
    for n, (commitment_id, charter_id) in enumerate(measured):
        for k, start in enumerate(starts):
            batch.append(
                {
                    "commitment_id": commitment_id, "charter_id": charter_id,
                    "period": f"{start.year}-{start.month:02d}", "period_start": start,
                    "value": 90.0 if (n + k) % 9 == 0 else 97.5, "note": "", "history": [],
                    "entered_at": now,
                }
            )  # fmt: skip
        if len(batch) >= 20_000:
            db.session.execute(insert(Reading), batch)
            readings, batch = readings + len(batch), []
    if batch:
        db.session.execute(insert(Reading), batch)
        readings += len(batch)

    messages = []
    for n, c in enumerate(added[:2000]):
        for department_id in (c.department_a_id, c.department_b_id):
            messages.append(
                {
                    "user_id": heads[department_id], "kind": "charter_active",
                    "params": {"name": "Cheffe", "title": f"Charte {n:04d}", "number": 1},
                    "object_type": "charter", "object_id": c.id, "link": f"/charters/{c.id}",
                    "idempotency_key": f"scale:{c.id}:{department_id}",
                    "created_at": now - timedelta(hours=n), "read_at": None if n % 3 else now,
                }
            )  # fmt: skip
    db.session.execute(insert(Notification), messages)
    db.session.commit()
    del admin_id
    refresh_statistics()  # as autovacuum would after such a load (and `flask import` does)
    return {
        "departments": len(dept_ids),
        "people": len(people),
        "charters": len(added),
        "versions": len(versions),
        "signatures": len(signatures),
        "reviews": len(reviews),
        "readings": readings,
        "messages": len(messages),
    }


def head_with_most_charters() -> str:
    """The e-mail of the scale head on a hundred charters (S001)."""
    return f"head.s001@{DOMAIN}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a database with the demo seeded")
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--charters", type=int, default=5000)
    args = parser.parse_args()
    from sla_contracts import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database})
    with app.app_context():
        started = time.perf_counter()
        counts = add_scale(args.departments, args.charters)
        total = db.session.scalar(select(func.count(Charter.id)))
    took = time.perf_counter() - started
    print(", ".join(f"{k}: {v:,}" for k, v in counts.items()), f"({total:,} charters in all)")
    print(f"added in {took:.1f} s")


if __name__ == "__main__":
    main()
