"""Readings between reviews (issue 13, points 1-4): targets read as numbers, batches entered all
or nothing, statuses computed from the latest readings, a warning after two misses in a row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from sla_contracts.charters import operations as charter_ops
from sla_contracts.errors import CharterStateError, Forbidden
from sla_contracts.extensions import db
from sla_contracts.measures import Outcome, TargetDirection, guess_direction, outcome, target_value
from sla_contracts.models import CharterStatus, CriterionReading, Notification, Reading, measured
from sla_contracts.readings import operations as readings
from sla_contracts.readings.operations import ReadingsRejected

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


# ------------------------------------------------------------------ targets


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("95", 95.0),
        ("≥ 98,5 %", 98.5),
        ("< 24 h", 24.0),
        ("1 000", 1000.0),
        ("au plus 2 jours", 2.0),
        ("zéro défaut", None),
        ("entre 2 et 4 h", None),
        ("selon planning", None),
        ("", None),
    ],
)
def test_a_target_text_holds_one_number_or_is_not_measured(text, value):
    assert target_value(text) == value


@pytest.mark.parametrize(
    ("target", "indicator", "direction"),
    [
        ("≥ 98 %", "Délai de livraison", TargetDirection.AT_LEAST),  # the text wins
        ("≤ 2 %", "Taux de service", TargetDirection.AT_MOST),
        ("moins de 48 h", "", TargetDirection.AT_MOST),
        ("< 30 min", "Temps de réponse", TargetDirection.AT_MOST),  # "min" is a unit
        ("at least 90", "", TargetDirection.AT_LEAST),
        ("48", "Délai moyen de réapprovisionnement", TargetDirection.AT_MOST),
        ("3", "Number of incidents per month", TargetDirection.AT_MOST),
        ("2", "Taux d'erreurs de préparation", TargetDirection.AT_MOST),
        ("95", "Share of orders delivered complete", TargetDirection.AT_LEAST),
    ],
)
def test_the_direction_comes_from_the_text_then_the_indicator(target, indicator, direction):
    assert guess_direction(target, indicator) == direction


def test_outcomes_with_the_default_and_a_chosen_tolerance():
    at_least, at_most = TargetDirection.AT_LEAST, TargetDirection.AT_MOST
    assert outcome(95, 95, at_least) == Outcome.MET
    assert outcome(90.25, 95, at_least) == Outcome.PARTLY_MET  # 5 % of 95 = 4.75
    assert outcome(90.2, 95, at_least) == Outcome.MISSED
    assert outcome(50, 48, at_most) == Outcome.PARTLY_MET  # 5 % of 48 = 2.4
    assert outcome(51, 48, at_most) == Outcome.MISSED
    assert outcome(51, 48, at_most, tolerance=4) == Outcome.PARTLY_MET
    assert outcome(47, 48, at_most, tolerance=0) == Outcome.MET


def test_the_number_follows_the_text_on_every_save(active, org, make_charter):
    commitment = active.commitments[0]
    assert commitment.target_value == 95.0 and commitment.is_measured
    draft = make_charter("Numbers")
    added = charter_ops.add_commitment(
        org.head_a,
        draft,
        org.logistics.id,
        {
            "title": "Deliveries",
            "service_standard": "On time",
            "indicator": "Délai de livraison",
            "target": "≤ 48 h",
            "unit": "h",
            "customer_impact": "Shelves full",
        },
    )
    assert added.target_value == 48.0 and added.target_direction == TargetDirection.AT_MOST
    charter_ops.update_commitment(org.head_a, added, added.lock_version, {"target": "selon saison"})
    assert added.target_value is None and not added.is_measured
    assert added.effective_tolerance is None


# ------------------------------------------------------------------ entering


def test_a_batch_creates_then_replaces_keeping_the_history(active, org):
    first, second = active.commitments[0], active.commitments[1]
    written = readings.enter_readings(
        org.member_b,
        active,
        [
            {"commitment_id": first.id, "period": "2027-01", "value": 96.5, "note": "ok"},
            {"commitment_id": second.id, "period": "2027-02", "value": "91,5"},
        ],
        now=NOW,
    )
    db.session.commit()
    assert (written.created, written.updated, written.unchanged) == (2, 0, 0)
    again = readings.enter_readings(
        org.head_a,
        active,
        [
            {"commitment_id": first.id, "period": "2027-01", "value": 97, "note": "corrected"},
            {"commitment_id": second.id, "period": "2027-02", "value": 91.5},
        ],
        now=NOW,
    )
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    reading = db.session.scalar(select(Reading).where(Reading.commitment_id == first.id))
    assert (reading.value, reading.note, reading.entered_by_id) == (
        97.0,
        "corrected",
        org.head_a.id,
    )
    assert [(h["value"], h["note"], h["entered_by_id"]) for h in reading.history] == [
        (96.5, "ok", org.member_b.id)
    ]
    assert reading.period_start.isoformat() == "2027-01-01" and reading.charter_id == active.id
    listed = readings.readings_of(active, commitment_id=second.id)
    assert [(r.period, r.value) for r in listed] == [("2027-02", 91.5)]


def test_any_bad_row_writes_nothing_and_every_bad_row_is_named(active, org, make_charter):
    other = make_charter("Other", status=CharterStatus.ACTIVE, commitments=(1, 0))
    free_text = active.commitments[1]
    free_text.target, free_text.target_value = "selon planning", None
    db.session.commit()
    good = active.commitments[0]
    rows = [
        {"commitment_id": good.id, "period": "2027-01", "value": 96},  # fine
        {"commitment_id": good.id, "period": "2027-04", "value": 96},  # future
        {"commitment_id": good.id, "period": "2027-W03", "value": 96},  # weekly, monthly one
        {"commitment_id": good.id, "period": "janvier", "value": "beaucoup"},  # two errors
        {"commitment_id": other.commitments[0].id, "period": "2027-01", "value": 1},
        {"commitment_id": free_text.id, "period": "2027-01", "value": 1},
        {"commitment_id": good.id, "period": "2027-01", "value": 97},  # twice in the batch
        {"commitment_id": good.id, "period": "2026-12", "value": 90, "note": "x" * 501},
    ]
    with pytest.raises(ReadingsRejected) as caught:
        readings.enter_readings(org.head_a, active, rows, now=NOW)
    db.session.rollback()
    found = [(e["index"], e["field"]) for e in caught.value.details["errors"]]
    assert found == [
        (1, "period"),
        (2, "period"),
        (3, "period"),
        (3, "value"),
        (4, "commitment_id"),
        (5, "commitment_id"),
        (6, "period"),
        (7, "note"),
    ]
    messages = {e.index: e.message for e in caught.value.errors}
    # In the reader's language (French here): what is wrong and how to write it.
    assert "pas encore commencé" in messages[1]
    assert "2027-01" in messages[2] and "par mois" in messages[2]
    assert "ligne 1" in messages[6]
    assert db.session.scalar(select(func.count()).select_from(Reading)) == 0


def test_who_may_enter_and_when(active, org, make_charter):
    row = [{"commitment_id": active.commitments[0].id, "period": "2027-01", "value": 96}]
    with pytest.raises(Forbidden):
        readings.enter_readings(org.outsider, active, row, now=NOW)
    draft = make_charter("Draft", commitments=(1, 0))
    with pytest.raises(CharterStateError):
        readings.enter_readings(org.head_a, draft, row, now=NOW)
    assert readings.may_enter(org.member_a, active) and not readings.may_enter(org.outsider, active)
    # The criterion: administrators and the heads of departments answering to it.
    value = [{"period": "2027-02", "value": "1,8"}]
    with pytest.raises(Forbidden):
        readings.enter_criterion_readings(org.member_a, org.criterion, value, now=NOW)
    with pytest.raises(Forbidden):
        readings.enter_criterion_readings(org.outsider, org.criterion, value, now=NOW)
    assert readings.enter_criterion_readings(org.head_b, org.criterion, value, now=NOW).created == 1
    db.session.commit()
    assert db.session.scalar(select(CriterionReading.value)) == 1.8
    with pytest.raises(ReadingsRejected):
        readings.enter_criterion_readings(
            org.admin, org.criterion, [{"period": "2027-05", "value": 1}], now=NOW
        )


# ------------------------------------------------------------------ computed status


def _enter(charter, user, values: dict[int, dict[str, float]]):
    rows = [
        {"commitment_id": cid, "period": period, "value": value}
        for cid, by_period in values.items()
        for period, value in by_period.items()
    ]
    written = readings.enter_readings(user, charter, rows, now=NOW)
    db.session.commit()
    return written


def test_statuses_trend_share_met_and_streak(active, org):
    c1, c2, c3, c4 = active.commitments
    c4.target, c4.target_value = "selon planning", None
    db.session.commit()
    _enter(
        active,
        org.head_a,
        {
            c1.id: {"2026-12": 80, "2027-01": 96, "2027-02": 97},  # met
            c2.id: {"2027-01": 80, "2027-02": 91},  # partly met (within 4.75)
            # c3: no data
        },
    )
    found = measured.charter_measure(active.id)
    m1, m2, m3, m4 = (found.measures[c.id] for c in (c1, c2, c3, c4))
    assert (m1.status, m2.status, m3.status, m4.status) == (
        "met",
        "partly_met",
        "no_data",
        "not_measured",
    )
    assert [p.period for p in m1.trend] == ["2026-12", "2027-01", "2027-02"]
    assert m1.last.value == 97 and m1.streak == 0 and not m1.warning
    assert found.share_met == 0.75 and found.missed == 0
    _enter(active, org.head_a, {c3.id: {"2027-01": 10, "2027-02": 12}})
    found = measured.charter_measure(active.id)
    assert found.measures[c3.id].streak == 2 and found.measures[c3.id].warning
    assert found.measures[c3.id].streak_start == "2027-01"
    assert found.missed == 1 and found.warnings == 1 and found.share_met == 0.5


def test_a_gap_breaks_a_streak(active, org):
    c1 = active.commitments[0]
    _enter(active, org.head_a, {c1.id: {"2026-11": 10, "2027-01": 10}})
    measure = measured.charter_measure(active.id).measures[c1.id]
    assert measure.status == "missed" and measure.streak == 1 and not measure.warning


def test_statuses_of_many_charters_in_two_statements(app, org, make_charter):
    charters = [
        make_charter(f"C{i}", status=CharterStatus.ACTIVE, commitments=(1, 1)) for i in range(6)
    ]
    for charter in charters:
        _enter(
            charter,
            org.admin,
            {c.id: {"2027-01": 96, "2027-02": 10} for c in charter.commitments},
        )
    ids = [c.id for c in charters]
    statements: list[str] = []

    def count(*args):
        if not args[2].startswith("BEGIN"):
            statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        few = measured.charter_measures(ids[:1])
        many = measured.charter_measures(ids)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 4, statements  # two for one charter, two for six
    assert few[ids[0]].missed == 2
    assert all(found.missed == 2 for found in many.values())


# ------------------------------------------------------------------ early warnings


def _warnings(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id,
                Notification.kind == "readings_missed_in_a_row",
            )
        )
    )


def test_two_misses_in_a_row_tell_both_heads_once_per_streak(active, org):
    c1 = active.commitments[0]
    _enter(active, org.member_a, {c1.id: {"2026-10": 10}})
    assert _warnings(org.head_a) == []
    _enter(active, org.member_a, {c1.id: {"2026-11": 10}})
    assert len(_warnings(org.head_a)) == 1 and len(_warnings(org.head_b)) == 1
    assert _warnings(org.member_a) == []
    _enter(active, org.member_a, {c1.id: {"2026-12": 11}})  # the same streak goes on
    _enter(active, org.member_a, {c1.id: {"2026-12": 12}})  # and is corrected
    assert len(_warnings(org.head_a)) == 1
    _enter(active, org.member_a, {c1.id: {"2027-01": 99}})  # back on target
    assert not measured.charter_measure(active.id).measures[c1.id].warning
    _enter(active, org.member_a, {c1.id: {"2027-02": 10, "2027-03": 10}})  # a new streak
    told = _warnings(org.head_b)
    assert len(told) == 2
    assert told[-1].params["since"] == "2027-02" and told[-1].params["count"] == 2


def test_periods_and_the_warning_read_in_both_languages(app):
    from flask_babel import force_locale

    from sla_contracts import formats
    from sla_contracts.notifications.texts import render_text

    params = {"title": "Log ⇄ Mag", "commitment": "Livraisons", "count": 2, "since": "2027-02"}
    with app.test_request_context():
        with force_locale("en"):
            assert [formats.period(k) for k in ("2027-02", "2027-W03", "2027-Q1")] == [
                "February 2027",
                "week 3 of 2027",
                "Q1 2027",
            ]
            assert render_text("readings_missed_in_a_row", params) == (
                "“Livraisons” (charter “Log ⇄ Mag”) missed its target 2 periods in a row, "
                "since February 2027."
            )
        with force_locale("fr"):
            assert formats.period("2027-02") == "février 2027"
            assert formats.period("2027-Q1") == "T1 2027"
            assert "2 périodes de suite, depuis février 2027" in render_text(
                "readings_missed_in_a_row", params
            )
