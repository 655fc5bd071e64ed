"""The inbox a page at a time: 50 messages a page, newest first, every message reachable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sla_contracts.extensions import db
from sla_contracts.models import Notification
from sla_contracts.notifications.inbox import PAGE_SIZE

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _messages(user, n: int, text: str = "Message") -> None:
    for i in range(n):
        db.session.add(
            Notification(
                user_id=user.id,
                kind="legacy",
                params={"legacy_text": f"{text} {i:03d}"},
                created_at=START + timedelta(minutes=i),
                read_at=START,
            )
        )
    db.session.commit()


def _listed(page: str) -> list[str]:
    inbox = page.split('<ul class="card-list inbox">', 1)[1].split("</ul>", 1)[0]
    return [line.split("Message ")[1][:3] for line in inbox.split("<li")[1:]]


def test_the_inbox_shows_fifty_a_page_and_reaches_the_oldest(org, login_as):
    _messages(org.head_a, 2 * PAGE_SIZE + 10)
    _messages(org.head_b, 3, "Someone else's")
    browser = login_as(org.head_a)
    first = browser.get("/inbox").get_data(as_text=True)
    assert _listed(first) == [f"{i:03d}" for i in range(109, 59, -1)]  # newest first
    assert "Page 1 of 3" in first and 'href="/inbox?page=2" rel="next"' in first
    assert "Someone else" not in first
    last = browser.get("/inbox?page=3").get_data(as_text=True)
    assert _listed(last) == [f"{i:03d}" for i in range(9, -1, -1)]  # the very first message
    assert 'href="/inbox?page=2" rel="prev"' in last and 'rel="next"' not in last
    past_the_end = browser.get("/inbox?page=40").get_data(as_text=True)
    assert _listed(past_the_end) == _listed(last) and "Page 3 of 3" in past_the_end
    assert _listed(browser.get("/inbox?page=0").get_data(as_text=True)) == _listed(first)


def test_a_page_of_the_inbox_reads_the_same_statements_at_any_length(
    org, login_as, count_statements
):
    browser = login_as(org.head_a)

    def statements() -> int:
        with count_statements() as seen:
            assert browser.get("/inbox").status_code == 200
        return seen.count

    _messages(org.head_a, 3)
    few = statements()
    _messages(org.head_a, 3 * PAGE_SIZE)
    assert statements() == few


def test_the_pages_of_the_inbox_read_in_french(org, login_as):
    _messages(org.head_a, PAGE_SIZE + 1)
    org.head_a.locale = "fr"
    db.session.commit()
    page = login_as(org.head_a).get("/inbox").get_data(as_text=True)
    assert "Page 1 sur 2" in page and "Suivant" in page
