"""Numbers and percentages read as Babel writes them, without Babel's cost per number.

``formats.number`` and ``formats.percent`` format with the reader's symbols themselves (Babel
parsed a pattern for each of the hundreds of readings on a charter page): here they are
compared with Babel's own ``format_decimal`` and ``format_percent`` on many values.
"""

from __future__ import annotations

import random

import pytest
from babel.numbers import format_decimal, format_percent
from flask_babel import force_locale

from sla_contracts import formats


def _values() -> list[float]:
    rng = random.Random(16)
    values = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 2.675, 1.005, 99.95, 100.0, -0.001,
              1234.5, 1e-7, 123456789.125, 1e15, -98765.4321, 91.6, 0.9159999999999999]  # fmt: skip
    for _ in range(3000):
        magnitude = 10 ** rng.randint(-4, 9)
        values.append(round(rng.uniform(-1, 1) * magnitude, rng.randint(0, 6)))
        values.append(rng.randint(-(10**6), 10**6) / 8)  # exact halves and eighths: ties
    return values


@pytest.mark.parametrize("language", ["fr", "en"])
def test_numbers_and_percentages_match_babel(app, language):
    values = _values()
    with app.test_request_context(), force_locale(language):
        for decimals in (0, 1, 2, 3):
            digits = "#,##0" + ("." + "#" * decimals if decimals else "")
            percent = formats._shape(language, "percent")
            percent_pattern = f"{percent.prefix}{digits}{percent.suffix}"
            for value in values:
                expected = format_decimal(value, format=digits, locale=language)
                assert formats.number(value, decimals) == expected, (value, decimals)
                expected = format_percent(value / 100, format=percent_pattern, locale=language)
                assert formats.percent(value, decimals) == expected, (value, decimals)


def test_the_reader_sees_their_own_symbols(app):
    with app.test_request_context():
        with force_locale("fr"):
            assert formats.number(1234.5) == "1\u202f234,5"
            assert formats.percent(91.6) == "91,6\u00a0%"
        with force_locale("en"):
            assert formats.number(1234.5) == "1,234.5"
            assert formats.percent(91.6) == "91.6%"
            assert formats.number("-3,50") == "-3.5"
