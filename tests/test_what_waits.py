"""What waits for a person comes from one place: home page, menu badges and inbox agree.

The head of Magasins in the demo used to read "Waiting for me: nothing new" on the home page once
they had opened the two charters the menu counted "To sign 2".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from sla_contracts import periods
from sla_contracts.extensions import db
from sla_contracts.main.dashboard import MISSES_SHOWN, home_for
from sla_contracts.main.waiting import SHOWN, WaitKind, what_waits_for
from sla_contracts.models import ActionItem, CharterStatus, Notification, User
from sla_contracts.notifications import inbox
from sla_contracts.readings import operations as readings_ops
from sla_contracts.reviews import operations as review_ops
from sla_contracts.signing import amendments

from .plugins.people import Browser
from .signing_helpers import sign_both, submit

DEMO = "demo.reciproque.fr"


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def _demo_login(app, login: str) -> tuple[Browser, User]:
    browser = Browser(app.test_client())
    browser.login(f"{login}@{DEMO}", "demo")
    browser.post("/language", {"lang": "fr", "next": "/"})
    user = db.session.scalar(select(User).where(User.email == f"{login}@{DEMO}"))
    return browser, user


def _badge(page: str, href: str) -> int:
    """The number on the menu link to ``href`` (0 without a badge)."""
    link = re.search(rf'<a href="{re.escape(href)}"[^>]*>(.*?)</a>', page, re.S)
    assert link is not None, href
    number = re.search(r'class="badge"[^>]*>\s*(\d+)', link.group(1))
    return int(number.group(1)) if number else 0


def _waiting_items(page: str) -> list[str]:
    """The items of the "Waiting for me" block: kind and link of each."""
    start = page.index('id="waiting-title"')
    end = page.index("</ul>", start) if "waiting-list" in page[start : start + 400] else start
    return re.findall(r'<li class="waiting-(\w+)">\s*<a href="([^"]+)"', page[start:end])


@pytest.mark.parametrize(
    "login", ["thomas.garnier", "sandrine.petit", "nadia.haddad", "helene.marchand"]
)
def test_home_badges_and_inbox_agree_for_demo_heads(seeded, app, login):
    browser, user = _demo_login(app, login)
    to_sign = what_waits_for(user).charters_to_sign
    # Opening the charters (a visit) must not make them vanish from what waits.
    for charter in to_sign:
        assert browser.get(f"/charters/{charter.id}").status_code == 200
    db.session.expire_all()

    home = browser.get("/").get_data(as_text=True)
    items = _waiting_items(home)
    signs = [url for kind, url in items if kind == "sign"]
    assert signs == [f"/charters/{c.id}/sign" for c in to_sign]
    assert _badge(home, "/charters/to-sign") == len(signs)
    assert _badge(home, "/reviews/actions") == len([i for i in items if i[0] == "action"])
    block = home.split('id="waiting-title"')[1].split("</article>")[0]
    assert ("Rien ne vous attend" in block) == (not items)

    page = browser.get("/inbox").get_data(as_text=True)
    assert _waiting_items(page) == items  # the same list, from the same place
    assert _badge(page, "/charters/to-sign") == len(signs)
    # Every message still asking for a signature is about a charter to sign, and back.
    asking = {
        n.object_id
        for n in db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id,
                Notification.kind.in_(["signature_requested", "signature_awaited"]),
                Notification.done_at.is_(None),
            )
        )
    }
    assert asking == {c.id for c in to_sign}
    marked = page.count('<span class="status status-awaiting_signatures">À faire</span>')
    waiting = what_waits_for(user)
    assert marked == sum(1 for n in inbox.page_of(user, 1).items if waiting.asks(n)) >= len(to_sign)

    listed = browser.get("/charters/to-sign").get_data(as_text=True)
    for charter in to_sign:
        assert f"/charters/{charter.id}" in listed


def test_magasins_head_sees_the_two_charters_to_sign_after_opening_them(seeded, app):
    browser, user = _demo_login(app, "thomas.garnier")
    to_sign = what_waits_for(user).charters_to_sign
    assert len(to_sign) == 2
    for charter in to_sign:
        browser.get(f"/charters/{charter.id}")
    home = browser.get("/").get_data(as_text=True)
    assert _badge(home, "/charters/to-sign") == 2
    assert [kind for kind, _ in _waiting_items(home)].count("sign") == 2
    for charter in to_sign:
        assert charter.title.replace("'", "&#39;") in home


def test_what_waits_gathers_signatures_drafts_reviews_and_actions(org, make_charter):
    today = datetime.now(UTC)
    to_sign = make_charter("À signer", commitments=(1, 1))
    submit(org, to_sign)
    draft = make_charter("Brouillon", commitments=(1, 0))
    draft.last_activity_by_id = org.head_a.id
    reviewed = make_charter("Revue", status=CharterStatus.ACTIVE, commitments=(1, 1))
    reviewed.next_review_on = today.date() + timedelta(days=5)
    review = review_ops.plan_review(reviewed, today)
    action = ActionItem(
        charter_id=reviewed.id,
        owner_department_id=org.stores.id,
        title="Former les équipes",
        due_on=today.date() - timedelta(days=1),
    )
    later = ActionItem(
        charter_id=reviewed.id,
        owner_department_id=org.stores.id,
        title="Plus tard",
        due_on=today.date() + timedelta(days=40),
    )
    db.session.add_all([action, later])
    db.session.commit()

    waiting = what_waits_for(org.head_b, today)
    assert waiting.charters_to_sign == [to_sign]
    assert [i.charter for i in waiting.of(WaitKind.DRAFT)] == [draft]
    assert [i.review for i in waiting.of(WaitKind.REVIEW)] == [review]
    assert waiting.of(WaitKind.REVIEW)[0].step == "schedule"
    assert [i.action for i in waiting.of(WaitKind.ACTION)] == [action]
    assert waiting.of(WaitKind.ACTION)[0].is_late
    # Side A submitted and changed the draft itself: only the review waits for its head.
    mine = what_waits_for(org.head_a, today)
    assert mine.to_sign and not mine.drafts  # A has not signed yet either
    # A member signs nothing, drafts nothing, but their department's actions wait for them.
    member = what_waits_for(org.member_b, today)
    assert [i.kind for i in member.items] == [WaitKind.ACTION]
    assert what_waits_for(org.outsider, today).total == 0


def test_amendment_draft_waits_for_the_other_head(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    sign_both(org, charter)
    amendments.open_amendment(org.head_a, charter)
    db.session.commit()
    assert [i.charter for i in what_waits_for(org.head_b).drafts] == [charter]
    assert not what_waits_for(org.head_a).drafts


def _home_queries(browser) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert browser.get("/").status_code == 200
        assert browser.get("/inbox").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def _last_two_months(today: datetime) -> tuple[str, str]:
    this = periods.of(periods.PeriodKind.MONTH, today.date())
    return this.previous().previous().key, this.previous().key


def _fill(org, make_charter, n: int, today: datetime) -> None:
    for i in range(n):
        signing = make_charter(f"À signer {i}", commitments=(1, 1))
        submit(org, signing)
        draft = make_charter(f"Brouillon {i}", commitments=(1, 0))
        draft.last_activity_by_id = org.head_a.id
        active = make_charter(f"Revue {i}", status=CharterStatus.ACTIVE, commitments=(1, 1))
        active.next_review_on = today.date() + timedelta(days=3)
        review_ops.plan_review(active, today)
        db.session.add(
            ActionItem(
                charter_id=active.id,
                owner_department_id=org.stores.id,
                title=f"Action {i}",
                due_on=date.today(),
            )
        )
        db.session.flush()
        # Two missed months in a row: the home page lists the charter with misses.
        readings_ops.enter_readings(
            org.head_a,
            active,
            [
                {"commitment_id": c.id, "period": p, "value": 10}
                for c in active.commitments
                for p in _last_two_months(today)
            ],
            now=today,
        )
    db.session.commit()


def test_home_and_inbox_take_a_bounded_number_of_queries(org, make_charter, login_as):
    today = datetime.now(UTC)
    browser = login_as(org.head_b)
    _fill(org, make_charter, 1, today)
    small = _home_queries(browser)
    _fill(org, make_charter, 12, today)
    big = _home_queries(browser)
    waiting = what_waits_for(org.head_b, today)
    assert [waiting.count(k) for k in WaitKind] == [13, 13, 13, 13]
    home = home_for(org.head_b)
    # The ten with the most misses are listed, all thirteen counted.
    assert len(home.misses) == MISSES_SHOWN == 10 and home.misses_total == 13
    print(f"home + inbox queries: {small} (1 of each) and {big} (13 of each)")
    assert big == small, (small, big)


def test_home_and_inbox_lead_with_ten_things_and_link_to_all_of_them(org, make_charter, login_as):
    today = datetime.now(UTC)
    _fill(org, make_charter, 4, today)  # 16 things wait for the head of Magasins
    browser = login_as(org.head_b)
    everything = what_waits_for(org.head_b, today)
    assert everything.total == 16 and len(everything.shown) == SHOWN == 10
    for url in ("/", "/inbox"):
        page = browser.get(url).get_data(as_text=True)
        listed = page.split('class="card-list waiting-list"', 1)[1].split("</ul>", 1)[0]
        assert listed.count("<li ") == 10, url
        assert "6 more things wait for you: see all 16" in page and 'href="/waiting"' in page
    page = browser.get("/waiting").get_data(as_text=True)
    listed = page.split('class="card-list waiting-list"', 1)[1].split("</ul>", 1)[0]
    assert listed.count("<li ") == 16 and "more things wait" not in page
    for i in range(4):  # each kind, the last ones included
        assert f"À signer {i}" in listed and f"Action {i}" in listed
    org.head_b.locale = "fr"
    db.session.commit()
    page = login_as(org.head_b).get("/").get_data(as_text=True)
    assert "6 autres choses vous attendent : tout voir (16)" in page


def test_the_whole_list_needs_a_sign_in(client):
    response = client.get("/waiting")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_review_of_a_charter_under_amendment_does_not_wait(org, make_charter):
    today = datetime.now(UTC)
    charter = make_charter(commitments=(1, 1))
    sign_both(org, charter)
    charter.next_review_on = today.date() + timedelta(days=2)
    review_ops.plan_review(charter, today)
    db.session.commit()
    assert [i.charter for i in what_waits_for(org.head_b, today).reviews] == [charter]
    amendments.open_amendment(org.head_a, charter)
    db.session.commit()
    # Reviews cannot be scheduled or started during an amendment: nothing to do yet.
    assert what_waits_for(org.head_b, today).reviews == []
