"""Signing, accessible (issue 16, point 6): the sign and verification pages pass axe-core in
French and English, and a head signs with the keyboard alone, from the charter page on."""

from __future__ import annotations

from sqlalchemy import select

from sla_contracts.demo import data
from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus, Department, Signature, pending_version

from .a11y_helpers import describe_violations, run_axe
from .plugins.browser import signed_in, watch_csp
from .plugins.demo import DEMO_HEAD as HEAD
from .test_accessibility import DESKTOP, _switch_language
from .test_browser_phone import PHONE


def _awaiting_magasins() -> tuple[int, int, str]:
    """The demo charter awaiting the signature of Magasins (the demo head's department)."""
    stores = db.session.scalar(select(Department).where(Department.code == "MAG"))
    for charter in db.session.scalars(
        select(Charter).where(Charter.status == CharterStatus.AWAITING_SIGNATURES)
    ):
        version = pending_version(charter)
        signed = {s.department_id for s in version.signatures if s.voided_at is None}
        if stores.id in charter.department_ids and stores.id not in signed:
            return charter.id, version.id, version.fingerprint
    raise AssertionError("the demo has a charter waiting for Magasins' signature")


def _focus(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.getAttribute('name') || e.textContent || '').trim() : ''; }"
    )


def _tab_to(page, wanted, limit: int = 400) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if wanted(_focus(page)):
            return
    raise AssertionError(f"never reached by Tab; last focus: {_focus(page)!r}")


def test_the_sign_and_verification_pages_have_no_serious_axe_violation(
    demo, live_server, chromium_browser
):
    charter_id, _version_id, fingerprint = _awaiting_magasins()
    db.session.commit()
    paths = [f"/charters/{charter_id}/sign", "/verify", f"/verify/{fingerprint}"]
    found = []
    for viewport in (DESKTOP, PHONE):
        page = signed_in(chromium_browser, live_server, HEAD, data.DEMO_PASSWORD,
                         viewport=viewport, locale="fr-FR")  # fmt: skip
        csp = watch_csp(page)
        for lang in ("fr", "en"):
            for path in paths:
                page.goto(live_server(path))
                _switch_language(page, live_server, lang)
                where = f"{path} ({lang}, {viewport['width']} px)"
                found += [f"{where}: {v}" for v in describe_violations(run_axe(page)).splitlines()]
        assert not csp, csp
        _switch_language(page, live_server, "fr")
        page.context.close()
    assert not found, "\n".join(found)


def test_a_head_signs_with_the_keyboard_alone(demo, live_server, chromium_browser):
    charter_id, version_id, _fingerprint = _awaiting_magasins()
    db.session.commit()
    page = signed_in(chromium_browser, live_server, HEAD, data.DEMO_PASSWORD,
                     viewport=DESKTOP, locale="fr-FR")  # fmt: skip
    page.goto(live_server(f"/charters/{charter_id}"))
    # The charter page's primary action for a head whose side has not signed: "Signer".
    _tab_to(page, lambda text: text.startswith("Signer"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/charters/{charter_id}/sign")
    _tab_to(page, lambda name: name == "password")
    page.keyboard.type(data.DEMO_PASSWORD)
    page.keyboard.press("Tab")
    assert _focus(page).startswith("Signer la version")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/charters/{charter_id}")
    db.session.expire_all()
    stores = db.session.scalar(select(Department).where(Department.code == "MAG"))
    signature = db.session.scalar(
        select(Signature).where(
            Signature.version_id == version_id, Signature.department_id == stores.id
        )
    )
    assert signature is not None and signature.user.email == HEAD
    page.context.close()
