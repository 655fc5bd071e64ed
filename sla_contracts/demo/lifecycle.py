"""The demo's charters at the end of their term: one ending within 30 days, one expired.

Written, agreed and signed through the real services, in the past: the first was signed a
year minus 20 days ago (12 months: it ends in 20 days; the next reminder run tells its heads),
the second thirteen months ago and expired by the expiry job's service, its term run out.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from .. import notifications
from ..charters import negotiation
from ..charters import operations as charters
from ..extensions import db
from ..models import Charter, CustomerCriterion, Department, Membership, Role, User
from ..signing import expiry, signatures
from . import data

EXPIRING = {
    "title": "Achats ⇄ E-commerce : des fiches produit exactes",
    "a": "ACH",
    "b": "ECOM",
    "criterion": data.NPS,
    "signed_days_ago": 345,  # 12 months minus about 20 days
    "commitments_a": [
        data.c(
            "Fiches fournisseurs complètes",
            "Transmettre pour chaque nouvelle référence une fiche complète (dimensions, "
            "composition, photos) avant sa mise en ligne.",
            "Part des nouvelles références reçues avec une fiche complète",
            "95",
            "%",
            "Contrôle des fiches à leur réception dans l'outil produit.",
            "Mensuelle",
            "Le client achète sur la foi de la fiche : une fiche juste évite les retours.",
        )
    ],
    "commitments_b": [
        data.c(
            "Retours clients signalés",
            "Signaler aux Achats chaque semaine les références dont les retours citent une "
            "fiche inexacte.",
            "Part des signalements envoyés dans la semaine",
            "90",
            "%",
            "Export hebdomadaire des motifs de retour.",
            "Mensuelle",
            "Les fiches fausses sont corrigées avant que d'autres clients ne se trompent.",
        )
    ],
}
EXPIRED = {
    "title": "Finance ⇄ Achats : des fournisseurs payés à temps",
    "a": "FIN",
    "b": "ACH",
    "criterion": data.RUPTURE,
    "signed_days_ago": 400,  # 13 months: its term ran out a month ago, nobody renewed it
    "commitments_a": [
        data.c(
            "Factures payées à l'échéance",
            "Payer les factures validées à leur échéance contractuelle.",
            "Part des factures payées à l'échéance",
            "98",
            "%",
            "Rapprochement mensuel des paiements et des échéances.",
            "Mensuelle",
            "Un fournisseur payé à temps livre à temps : les rayons restent pleins.",
        )
    ],
    "commitments_b": [
        data.c(
            "Factures validées sous 5 jours",
            "Valider chaque facture reçue sous 5 jours ouvrés.",
            "Part des factures validées sous 5 jours",
            "95",
            "%",
            "Horodatage de validation dans l'outil de facturation.",
            "Mensuelle",
            "Une facture validée vite est payée à temps : le fournisseur ne bloque rien.",
        )
    ],
}


def _head(department: Department) -> User:
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.department_id == department.id, Membership.role == Role.HEAD)
        .order_by(User.id)
        .limit(1)
    )


def _sign(spec: dict[str, Any], now: datetime) -> Charter | None:
    departments = {
        d.code: d
        for d in db.session.scalars(
            select(Department).where(Department.code.in_((spec["a"], spec["b"])))
        )
    }
    criterion = db.session.scalar(
        select(CustomerCriterion).where(CustomerCriterion.name == spec["criterion"])
    )
    if len(departments) != 2 or criterion is None:
        return None
    side_a, side_b = departments[spec["a"]], departments[spec["b"]]
    head_a, head_b = _head(side_a), _head(side_b)
    signed = (now - timedelta(days=spec["signed_days_ago"])).replace(hour=10, minute=0)
    opened = signed - timedelta(days=6)
    charter = charters.create_charter(
        head_a,
        title=spec["title"],
        department_a_id=side_a.id,
        department_b_id=side_b.id,
        criterion_id=criterion.id,
        review_cadence_months=6,
        now=opened,
    )
    for head, side, key in ((head_a, side_a, "commitments_a"), (head_b, side_b, "commitments_b")):
        for fields in spec[key]:
            charters.add_commitment(head, charter, side.id, fields, now=opened + timedelta(hours=2))
    for commitment in charter.commitments:
        other = charter.other_department_id(commitment.provider_department_id)
        head = head_a if other == side_a.id else head_b
        negotiation.agree(head, commitment, commitment.lock_version, now=signed)
    version = signatures.submit_charter(head_a, charter, now=signed + timedelta(minutes=5))
    for n, head in enumerate((head_a, head_b), start=1):
        signatures.sign_charter(
            head, charter, version.number, data.DEMO_PASSWORD, None, now=signed + timedelta(hours=n)
        )
    return charter


def seed_lifecycle(now: datetime) -> int:
    """Add the charter ending soon and the expired one, if missing; return how many were added."""
    added = 0
    for spec in (EXPIRING, EXPIRED):
        if db.session.scalar(select(Charter.id).where(Charter.title == spec["title"])):
            continue
        # History being replayed: the inbox shows it, nobody is e-mailed about it.
        with notifications.inbox_only():
            charter = _sign(spec, now)
            if charter is not None and spec is EXPIRED:
                # Expired the morning after its last day, as the daily job does: the report
                # of that month counts it, later months no longer count it in force.
                day_after = charter.valid_until + timedelta(days=1)
                expiry.expire_charter(charter, datetime.combine(day_after, time(6), tzinfo=UTC))
        added += charter is not None
    db.session.flush()
    return added
