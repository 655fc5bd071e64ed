"""Accessibility: a focus ring people can see, accessible names that start with what is seen
(WCAG 2.5.3), and axe-core finding nothing serious on the main pages, in French and English,
on a desktop and on a phone.

axe-core is vendored under tests/vendor/axe-core (version and licence in its README) and
injected with ``page.evaluate``: the app's Content-Security-Policy stays on (no bypass_csp),
and the test checks that axe ran without the page reporting a CSP violation.
"""

from __future__ import annotations

import re
from pathlib import Path

from sla_contracts.demo import data
from sla_contracts.extensions import db

from .a11y_helpers import contrast_ratio, describe_violations, parse_colour, run_axe
from .plugins.browser import signed_in, watch_csp
from .plugins.demo import DEMO_ADMIN as ADMIN
from .plugins.demo import DEMO_HEAD as HEAD
from .test_browser_phone import PHONE

APP_CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "app.css"
DESKTOP = {"width": 1280, "height": 900}
# Not surfaces a focused element sits on: the count badge inside a menu link, chart swatches.
NOT_SURFACES = ("badge", "swatch")


def _css_rules(css: str) -> list[tuple[str, str]]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [(m.group(1).strip(), m.group(2)) for m in re.finditer(r"([^{}]+)\{([^{}]*)\}", css)]


def _surfaces(css: str) -> dict[str, str]:
    """Every background colour app.css paints, by the selector that paints it."""
    found = {"body (Pico)": "#fff"}
    for selector, body in _css_rules(css):
        if any(word in selector for word in NOT_SURFACES):
            continue
        for value in re.findall(
            r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{3,6}|rgba?\([^)]*\))", body
        ):
            found[selector] = value
    return found


def test_focus_ring_contrasts_at_least_3_to_1_with_every_background():
    css = APP_CSS.read_text(encoding="utf-8")
    variables = dict(re.findall(r"--(focus-ring-[a-z]+)\s*:\s*([^;]+);", css))
    assert "focus-ring-color" in variables, "app.css declares no focus ring colour"
    ring = variables["focus-ring-color"].strip()
    assert float(variables["focus-ring-width"].removesuffix("px")) >= 3
    rule = next(body for selector, body in _css_rules(css) if selector.startswith(":focus-visible"))
    assert "solid var(--focus-ring-color)" in rule and "var(--focus-ring-width)" in rule

    surfaces = _surfaces(css)
    # Pico's striped rows: a translucent grey over white.
    surfaces["striped row (Pico)"] = "rgba(111, 120, 135, 0.0375)"
    assert len(surfaces) > 10
    weak = {
        selector: round(contrast_ratio(ring, colour), 2)
        for selector, colour in surfaces.items()
        if contrast_ratio(ring, colour) < 3
    }
    assert not weak, f"focus ring {ring} is under 3:1 on {weak}"
    # What it replaced, for the record: Pico's light-blue ring, 1.8:1 on white.
    assert contrast_ratio("rgba(2, 154, 232, 0.5)", "#fff") < 2


FOCUS_STATE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  let bg = "rgb(255, 255, 255)";
  for (let e = el.parentElement; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== "transparent" && c !== "rgba(0, 0, 0, 0)") { bg = c; break; }
  }
  const text = (el.innerText || el.value || el.name || "").trim().slice(0, 30);
  return {what: `${el.tagName.toLowerCase()} "${text}"`, inside: !el.matches(":focus"),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
          background: bg};
}
"""


def test_keyboard_focus_ring_is_visible_on_every_stop(
    started_review, org, live_server, chromium_browser, output_dir
):
    review_id, email = started_review.id, org.head_a.email
    db.session.commit()
    page = signed_in(chromium_browser, live_server, email, viewport=DESKTOP, locale="en-GB")
    page.goto(live_server(f"/reviews/{review_id}"))

    seen, weak = [], []
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None:
            break
        if state["inside"]:
            continue  # a part the browser builds inside a field (a date field's calendar button)
        seen.append(state["what"])
        ratio = contrast_ratio(parse_colour(state["color"]), parse_colour(state["background"]))
        if state["style"] == "none" or state["width"] < 3 or ratio < 3:
            weak.append(f"{state['what']}: {state['style']} {state['width']}px, {ratio:.2f}:1")
        if len(seen) == 12:
            page.screenshot(path=str(output_dir / "focus.png"))
    assert len(seen) >= 20, seen  # links, buttons, radios, fields, selects
    assert not weak, "\n".join(weak)


def _sign_in(browser, live_server, email: str, viewport: dict):
    return signed_in(browser, live_server, email, data.DEMO_PASSWORD, viewport=viewport,
                     locale="fr-FR")  # fmt: skip


def _switch_language(page, live_server, lang: str) -> None:
    if page.evaluate("document.documentElement.lang") != lang:
        page.click("button[name=lang]")
        page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == lang


def test_header_names_start_with_the_visible_text(demo, live_server, chromium_browser):
    page = _sign_in(chromium_browser, live_server, HEAD, DESKTOP)
    header = page.locator("header")
    # French page: the button says EN, in English, and is named after what it shows.
    assert header.get_by_role("button", name="EN – English", exact=True).count() == 1
    assert header.get_by_role("link", name=re.compile(r"^Messages \d+$")).count() == 1
    assert header.get_by_role("link", name=re.compile(r"^À signer \d+$")).count() == 1
    assert not run_axe(page, rules=["label-content-name-mismatch"])
    _switch_language(page, live_server, "en")
    assert header.get_by_role("button", name="FR – Français", exact=True).count() == 1
    assert header.get_by_role("link", name=re.compile(r"^Inbox \d+$")).count() == 1
    assert not run_axe(page, rules=["label-content-name-mismatch"])

    # The directory's per-row buttons: "Supprimer" is named "Supprimer <person> de <dept>".
    admin = _sign_in(chromium_browser, live_server, ADMIN, DESKTOP)
    admin.goto(live_server("/directory/departments"))
    admin.locator("main table a").first.click()
    violations = run_axe(admin, rules=["label-content-name-mismatch"])
    assert not violations, describe_violations(violations)


def test_main_pages_have_no_serious_axe_violation(demo, live_server, chromium_browser):
    pages = {
        HEAD: [
            "/",
            f"/charters/{demo.charter_id}",
            f"/charters/{demo.charter_id}/audit",
            f"/reviews/{demo.review_id}",
            "/inbox",
            "/reviews/actions",
            "/company/silos",
        ],
        ADMIN: [
            f"/directory/departments/{demo.stores_id}",
            "/directory/users",
            "/directory/map",
            "/directory/dependencies",
        ],
    }
    found = []
    for email, paths in [(None, ["/login"]), *pages.items()]:
        for viewport in (DESKTOP, PHONE):
            if email:
                page = _sign_in(chromium_browser, live_server, email, viewport)
            else:
                page = chromium_browser.new_context(viewport=viewport, locale="fr-FR").new_page()
            csp = watch_csp(page)
            for lang in ("fr", "en"):
                for path in paths:
                    page.goto(live_server(path))
                    _switch_language(page, live_server, lang)
                    where = f"{path} ({lang}, {viewport['width']} px)"
                    found += [
                        f"{where}: {line}"
                        for line in describe_violations(run_axe(page)).splitlines()
                    ]
            assert not csp, csp
            _switch_language(page, live_server, "fr")
            page.context.close()
    assert not found, "\n".join(found)
