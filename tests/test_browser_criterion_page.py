"""The criterion page in Chromium, on the demo: no serious axe violation, nothing refused by the
Content-Security-Policy, and at phone width (390 px) nothing wider than the screen.

Screenshots go to test-output/<test>/ and /tmp/reciproque-phone/, to be looked at.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus

from .a11y_helpers import describe_violations, off_screen, run_axe
from .plugins.browser import watch_csp
from .plugins.demo import DEMO_ADMIN as ADMIN
from .plugins.demo import DEMO_HEAD as HEAD
from .test_browser_phone import PHONE, log_in, shoot

pytestmark = pytest.mark.browser


def _busiest_criterion() -> int:
    """The demo's criterion with the most charters in force."""
    return db.session.execute(
        select(Charter.criterion_id, func.count())
        .where(Charter.status == CharterStatus.ACTIVE)
        .group_by(Charter.criterion_id)
        .order_by(func.count().desc(), Charter.criterion_id)
    ).first()[0]


def test_criterion_page_is_accessible_and_fits_a_phone(
    demo, live_server, chromium_browser, output_dir
):
    criterion_id = _busiest_criterion()
    db.session.commit()
    url = live_server(f"/company/criteria/{criterion_id}")
    problems = []
    for email, viewport in ((ADMIN, {"width": 1280, "height": 900}), (HEAD, PHONE)):
        page = log_in(chromium_browser, live_server, email, viewport=viewport)
        refused = watch_csp(page)
        page.goto(url)
        assert page.locator("h1").count() == 1
        assert page.locator("#criterion-charters").count() == 1
        shoot(page, output_dir, f"criterion-{viewport['width']}")
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
