"""The monthly report's page in Chromium, on the demo: no serious axe violation, nothing
refused by the Content-Security-Policy, and at phone width (390 px) nothing wider than the
screen. Screenshots go to test-output/<test>/, to be looked at.
"""

from __future__ import annotations

import pytest

from sla_contracts.company.report import month_key
from sla_contracts.demo.report import LEADERSHIP
from sla_contracts.timeutil import add_months, utcnow

from .a11y_helpers import describe_violations, off_screen, run_axe
from .plugins.browser import watch_csp
from .plugins.demo import DEMO_ADMIN as ADMIN
from .test_browser_phone import PHONE, log_in, shoot

pytestmark = pytest.mark.browser


def test_report_page_is_accessible_and_fits_a_phone(
    demo, live_server, chromium_browser, output_dir
):
    last = month_key(add_months(utcnow().date().replace(day=1), -1))
    url = live_server(f"/company/reports/{last}")
    problems = []
    for email, viewport in ((ADMIN, {"width": 1280, "height": 900}), (LEADERSHIP["email"], PHONE)):
        page = log_in(chromium_browser, live_server, email, viewport=viewport)
        refused = watch_csp(page)
        page.goto(url)
        assert page.locator("h1").count() == 1
        assert page.locator("#report-criteria").count() == 1
        shoot(page, output_dir, f"report-{viewport['width']}")
        violations = run_axe(page)
        assert not violations, describe_violations(violations)
        if viewport == PHONE:
            layout = off_screen(page)
            if layout["scrollWidth"] > PHONE["width"]:
                problems.append(f"the page is {layout['scrollWidth']} px wide")
            problems += layout["problems"]
        assert not refused, refused
        page.context.close()
    assert not problems, "\n".join(problems)
