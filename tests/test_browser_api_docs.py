"""The API reference at /api/v1/docs: Swagger UI from static/, under the app's CSP, reading
the app's own openapi.json, and "Try it out" calling the API with the session cookie."""

from __future__ import annotations

from sla_contracts.extensions import db

from .plugins.browser import log_in, watch_csp


def test_reference_renders_every_operation_from_static_files_only(
    org, live_server, chromium_browser, output_dir
):
    email = org.head_a.email
    db.session.commit()  # SQLite: release the write lock before the browser writes
    page = chromium_browser.new_context(locale="fr-FR").new_page()
    page.set_default_timeout(20_000)
    violations = watch_csp(page)
    outside: list[str] = []
    origin = live_server("/").rstrip("/")
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(origin) and not request.url.startswith("data:")
            else None
        ),
    )
    log_in(page, live_server, email)

    page.goto(live_server("/api/v1/docs"))
    page.get_by_text("Réciproque API").first.wait_for()
    document = page.request.get(live_server("/api/v1/openapi.json")).json()
    count = sum(
        1
        for item in document["paths"].values()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == count
    assert page.locator(".opblock-summary-path", has_text="/api/v1/charters/{charter_id}").count()

    # "Try it out" on GET /api/v1/me answers the signed-in head, through the cookie.
    me = page.locator('.opblock:has(.opblock-summary-path[data-path="/api/v1/me"])')
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    me.locator(".responses-table .response-col_status", has_text="200").first.wait_for()
    assert email in me.locator(".highlight-code").first.inner_text()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(output_dir / "api-docs.png"))
    assert violations == []
    assert outside == []
