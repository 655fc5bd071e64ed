"""The charter page's measures in a real browser: they fit a 390-pixel phone and a desktop, break
no Content-Security-Policy rule (the sparkline is inline SVG with classes, no style), and pass
axe's serious checks. Screenshots go to test-output/<test>/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus
from sla_contracts.readings import operations as readings

from .a11y_helpers import off_screen, run_axe
from .plugins.browser import signed_in, watch_csp

pytestmark = pytest.mark.browser

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def test_measures_fit_a_phone_and_a_desktop(
    org, make_charter, live_server, chromium_browser, output_dir
):
    charter = make_charter("Logistique ⇄ Magasins", status=CharterStatus.ACTIVE, commitments=(2, 2))
    c1, c2, c3, _c4 = charter.commitments
    c2.unit, c2.indicator, c2.target, c2.target_value = "h", "Délai de réponse", "48", 48.0
    db.session.commit()
    months = ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02"]
    rows = [
        {"commitment_id": c.id, "period": p, "value": v}
        for c, values in (
            (c1, [91, 94, 96.5, 97, 93.5, 98]),
            (c2, [40, 47, 52, 49, 46, 50]),
            (c3, [96, 97, 92, 80, 70, 60.5]),
        )
        for p, v in zip(months, values, strict=True)
    ]
    readings.enter_readings(org.member_a, charter, rows, now=NOW)
    db.session.commit()
    email, url = org.head_b.email, f"/charters/{charter.id}#measures"
    db.session.commit()  # the browser writes (SQLite): the test holds no transaction meanwhile
    problems = []
    for name, viewport in (("phone", {"width": 390, "height": 844}), ("desktop", None)):
        options = {"viewport": viewport or {"width": 1280, "height": 900}, "locale": "fr-FR"}
        page = signed_in(chromium_browser, live_server, email, **options)
        violations = watch_csp(page)
        page.goto(live_server(url))
        assert page.locator("#measures .sparkline").count() == 3
        page.locator("#measures").screenshot(path=str(output_dir / f"measures-{name}.png"))
        layout = off_screen(page)
        if viewport and layout["scrollWidth"] > viewport["width"]:
            problems.append(f"{name}: the page is {layout['scrollWidth']} px wide")
        problems += [f"{name}: {p}" for p in layout["problems"]]
        problems += [f"{name}: {v}" for v in violations]
        problems += [f"{name}: axe {v['id']}" for v in run_axe(page, within="#measures")]
        page.context.close()
    assert not problems, problems
