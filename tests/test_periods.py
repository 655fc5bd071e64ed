"""Measurement periods: weeks, months and quarters named as the readings API names them."""

from __future__ import annotations

from datetime import date

import pytest

from sla_contracts.periods import PeriodError, PeriodKind, kind_of, of, parse

TODAY = date(2027, 1, 20)  # a Wednesday of ISO week 3


@pytest.mark.parametrize(
    ("frequency", "kind"),
    [
        ("Hebdomadaire", PeriodKind.WEEK),
        ("Weekly", PeriodKind.WEEK),
        ("Quotidienne", PeriodKind.WEEK),
        ("Mensuelle", PeriodKind.MONTH),
        ("monthly", PeriodKind.MONTH),
        ("Trimestrielle", PeriodKind.QUARTER),
        ("Quarterly", PeriodKind.QUARTER),
        ("", PeriodKind.MONTH),
        ("à chaque livraison", PeriodKind.MONTH),
    ],
)
def test_kind_follows_the_typed_frequency(frequency, kind):
    assert kind_of(frequency) == kind


def test_periods_contain_their_day_and_follow_each_other():
    week = of(PeriodKind.WEEK, TODAY)
    assert (week.key, week.start, week.end) == ("2027-W03", date(2027, 1, 18), date(2027, 1, 24))
    assert week.previous().key == "2027-W02" and week.next().key == "2027-W04"
    # ISO week 1 of 2027 begins on 4 January; 1–3 January belong to 2026's week 53.
    assert of(PeriodKind.WEEK, date(2027, 1, 2)).key == "2026-W53"
    month = of(PeriodKind.MONTH, date(2026, 12, 31))
    assert (month.key, month.end, month.next().key) == ("2026-12", date(2026, 12, 31), "2027-01")
    quarter = of(PeriodKind.QUARTER, date(2026, 11, 5))
    assert (quarter.key, quarter.start) == ("2026-Q4", date(2026, 10, 1))
    assert quarter.end == date(2026, 12, 31)
    assert quarter.next().key == "2027-Q1" and quarter.previous().key == "2026-Q3"


def test_past_and_current_periods_parse_future_ones_are_refused():
    assert parse("2027-W03", PeriodKind.WEEK, today=TODAY).start == date(2027, 1, 18)
    assert parse("2027-01", PeriodKind.MONTH, today=TODAY).key == "2027-01"
    assert parse("2025-q2", PeriodKind.QUARTER, today=TODAY).start == date(2025, 4, 1)
    for text, kind in (("2027-W04", PeriodKind.WEEK), ("2027-02", PeriodKind.MONTH),
                       ("2027-Q2", PeriodKind.QUARTER)):  # fmt: skip
        with pytest.raises(PeriodError) as refused:
            parse(text, kind, today=TODAY)
        assert refused.value.reason == "future"


@pytest.mark.parametrize(
    ("text", "kind", "reason"),
    [
        ("2027-01", PeriodKind.WEEK, "wrong_kind"),
        ("2026-W10", PeriodKind.MONTH, "wrong_kind"),
        ("2026-13", PeriodKind.MONTH, "malformed"),
        ("2026-W54", PeriodKind.WEEK, "malformed"),
        ("janvier", PeriodKind.MONTH, "malformed"),
        ("", PeriodKind.QUARTER, "malformed"),
    ],
)
def test_bad_periods_say_why(text, kind, reason):
    with pytest.raises(PeriodError) as refused:
        parse(text, kind, today=TODAY)
    assert refused.value.reason == reason
