"""A phone held upright (390 px wide): the main pages fit the screen and stay usable, with the
demo organisation. Tables become one card per row, or scroll inside their own frame with the
first column kept in view; forms wrap; nothing is wider than the screen.

Screenshots go to test-output/<test>/ and /tmp/reciproque-phone/, to be looked at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sla_contracts.demo import data
from sla_contracts.extensions import db

from .a11y_helpers import off_screen
from .plugins.browser import signed_in
from .plugins.demo import DEMO_ADMIN as ADMIN
from .plugins.demo import DEMO_HEAD as HEAD
from .plugins.people import TEST_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/reciproque-phone")


def log_in(browser, live_server, email: str, password: str = data.DEMO_PASSWORD, **context):
    """A fresh phone-sized browser context, signed in as ``email``."""
    options = {"viewport": PHONE, "locale": "fr-FR", "is_mobile": True, "has_touch": True}
    return signed_in(browser, live_server, email, password, **(options | context))


def shoot(page, output_dir: Path, name: str) -> None:
    path = output_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_main_pages_fit_a_390px_phone(demo, live_server, chromium_browser, output_dir):
    pages = {
        HEAD: [
            ("home", "/"),
            ("charter", f"/charters/{demo.charter_id}"),
            ("new-charter", "/charters/new"),
            ("audit", f"/charters/{demo.charter_id}/audit"),
            ("meeting", f"/reviews/{demo.review_id}"),
            ("inbox", "/inbox"),
            ("actions", "/reviews/actions"),
        ],
        ADMIN: [
            ("admin-home", "/"),
            ("departments", "/directory/departments"),
            ("department", f"/directory/departments/{demo.stores_id}"),
            ("people", "/directory/users"),
            ("person", f"/directory/users/{demo.head_id}"),
            ("criteria", "/directory/criteria"),
            ("map", "/directory/map"),
        ],
    }
    problems = []
    for email, paths in pages.items():
        page = log_in(chromium_browser, live_server, email)
        for name, path in paths:
            page.goto(live_server(path))
            layout = off_screen(page)
            shoot(page, output_dir, name)
            if layout["scrollWidth"] > PHONE["width"]:
                problems.append(f"{path}: the page is {layout['scrollWidth']} px wide")
            problems += [f"{path}: {problem}" for problem in layout["problems"]]
            # Menus opened (the charter's "More actions", the person's menu) fit as well.
            menus = page.query_selector_all("header details > summary, main details > summary")
            for i, summary in enumerate(menus):
                summary.click()
                opened = off_screen(page)
                problems += [f"{path} (menu {i + 1} open): {p}" for p in opened["problems"]]
                if i:
                    shoot(page, output_dir, f"{name}-menu-{i + 1}")
                summary.click()
        page.context.close()
    assert not problems, "\n".join(problems)


def test_directory_role_choice_is_on_screen_and_usable(
    demo, live_server, chromium_browser, output_dir
):
    page = log_in(chromium_browser, live_server, ADMIN)
    page.goto(live_server(f"/directory/departments/{demo.stores_id}"))
    role = page.locator("select[name=role]").first
    role_id = role.get_attribute("id")
    change = page.locator(".role-form", has=page.locator(f"#{role_id}")).locator("button")
    for control in (role, change):
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # Usable, not only visible: the first person becomes a member and the page says so.
    role.select_option("member")
    change.click()
    shoot(page, output_dir, "department-after-change")
    assert page.locator(f"#{role_id}").input_value() == "member"


def test_meeting_action_plan_stacks_on_a_phone(
    started_review, org, live_server, chromium_browser, output_dir
):
    review_id, email = started_review.id, org.head_a.email
    db.session.commit()
    page = log_in(chromium_browser, live_server, email, TEST_PASSWORD, locale="en-GB")
    page.goto(live_server(f"/reviews/{review_id}"))
    page.locator("#actions-title").scroll_into_view_if_needed()
    shoot(page, output_dir, "meeting")

    content = page.locator("#actions-title").bounding_box()["width"]
    fields = [
        page.locator(f"[name='action-new0-{field}']").bounding_box()
        for field in ("title", "owner", "due", "status")
    ]
    title = fields[0]
    assert title["width"] >= 0.85 * content, f"the action's text field is {title['width']} px"
    for box in fields:
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # One field under the other, in the order of the columns.
    tops = [box["y"] for box in fields]
    assert tops == sorted(tops) and len(set(tops)) == 4, tops

    # And still a form that works: type an action, save, find it again.
    page.fill("[name='action-new0-title']", "Book a second dock on Mondays")
    page.select_option("[name='action-new0-owner']", index=1)
    page.fill("[name='action-new0-due']", "2027-02-15")
    page.get_by_role("button", name="Save (finish later)").click()
    assert page.locator("input[value='Book a second dock on Mondays']").count() == 1


def test_company_map_scrolls_in_its_frame_with_department_names_in_view(
    demo, live_server, chromium_browser, output_dir
):
    page = log_in(chromium_browser, live_server, ADMIN)
    page.goto(live_server("/directory/map"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    frame = page.locator("table.company-map").locator("xpath=..")
    sizes = frame.evaluate("e => ({scroll: e.scrollWidth, client: e.clientWidth})")
    assert sizes["scroll"] > sizes["client"], "the matrix should scroll inside its frame"
    # The frame is a named region the keyboard can reach and scroll.
    assert frame.get_attribute("tabindex") == "0"
    assert frame.get_attribute("role") == "region"

    frame.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    frame.scroll_into_view_if_needed()
    shoot(page, output_dir, "map-scrolled")
    edge = frame.bounding_box()
    names = page.locator(".company-map tbody th[scope=row]")
    assert names.count() >= 8
    for i in range(names.count()):
        box = names.nth(i).bounding_box()
        assert edge["x"] - 1 <= box["x"] <= edge["x"] + 2, (names.nth(i).inner_text(), box, edge)

    # Column heads are short codes; the full name is in <abbr title>.
    heads = page.locator(".company-map thead th abbr")
    assert heads.count() == names.count()
    for i in range(heads.count()):
        abbr = heads.nth(i)
        assert len(abbr.inner_text()) <= 5
        assert abbr.get_attribute("title") == names.nth(i).inner_text().replace("\n", " ")
