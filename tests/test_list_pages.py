"""The action items, the outbox and a charter's audit trail a page at a time (issue 16).

They listed everything (every action ever written; the outbox up to 200; every event of a
charter): 50 (the trail: 100) a page now, in the lists' own order, every row reachable,
other departments' kept out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from sla_contracts.audit.describe import describe_events
from sla_contracts.audit.operations import record_event, verify_chain
from sla_contracts.extensions import db
from sla_contracts.models import ActionItem, ActionStatus, AuditEvent, CharterStatus, OutboxEmail
from sla_contracts.reviews.access import ACTIONS_PER_PAGE
from sla_contracts.signing.routes import AUDIT_PER_PAGE
from sla_contracts.timeutil import utcnow


def _rows(page: str, marker: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row.split(marker, 1)[1].split("<", 1)[0] for row in body.split("<tr")[1:]]


def test_actions_come_fifty_a_page_overdue_first_done_last(org, make_charter, login_as):
    charter = make_charter(status=CharterStatus.ACTIVE)
    other = make_charter(department_b=org.it, status=CharterStatus.ACTIVE)
    today = utcnow().date()
    for i in range(ACTIONS_PER_PAGE + 20):
        late, done = i % 3 == 0, i % 10 == 9
        db.session.add(
            ActionItem(
                charter_id=charter.id,
                owner_department_id=org.stores.id,
                title=f"Task {i:03d}",
                due_on=today + timedelta(days=(-100 if late else 30) + i),
                status=ActionStatus.DONE if done else ActionStatus.OPEN,
            )
        )
    db.session.add(
        ActionItem(
            charter_id=other.id, owner_department_id=org.it.id, title="Task of IT", due_on=today
        )  # fmt: skip
    )
    db.session.commit()
    browser = login_as(org.head_b)
    first = browser.get("/reviews/actions").get_data(as_text=True)
    second = browser.get("/reviews/actions?page=2").get_data(as_text=True)
    titles = [t for t in _rows(first, "<td>") + _rows(second, "<td>")]
    assert len(_rows(first, "<td>")) == ACTIONS_PER_PAGE and len(titles) == ACTIONS_PER_PAGE + 20
    numbers = [int(t.split()[1]) for t in titles]

    def rank(i: int) -> tuple:
        late, done = i % 3 == 0, i % 10 == 9
        return (2 if done else 0 if late else 1, (-100 if late else 30) + i)

    # Open and overdue first, then open by due date, the done ones last (by due date too).
    assert numbers == sorted(range(ACTIONS_PER_PAGE + 20), key=rank)
    assert "Page 1 of 2" in first and 'href="/reviews/actions?page=2" rel="next"' in first
    assert "Task of IT" not in first + second


def test_the_outbox_comes_fifty_a_page_newest_first(org, login_as):
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(120):
        db.session.add(
            OutboxEmail(
                idempotency_key=f"k{i}",
                recipient=f"p{i:03d}@example.com",
                subject=f"Subject {i:03d}",
                body="",
                created_at=start + timedelta(minutes=i),
                status="failed" if i % 2 else "pending",
            )  # fmt: skip
        )
    db.session.add(OutboxEmail(idempotency_key="sent", recipient="sent@example.com",
                               subject="Subject sent", body="", status="sent"))  # fmt: skip
    db.session.commit()
    admin = login_as(org.admin)
    pages = [admin.get(f"/reviews/admin/outbox?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    recipients = [r for page in pages for r in _rows(page, "</td><td>")]
    assert recipients == [f"p{i:03d}@example.com" for i in range(119, -1, -1)]
    assert "Page 3 of 3" in pages[2] and "sent@example.com" not in "".join(pages)
    assert login_as(org.head_a).get("/reviews/admin/outbox?page=2").status_code == 403


def test_a_page_past_the_end_shows_the_last(org, make_charter, login_as):
    charter = make_charter(status=CharterStatus.ACTIVE)
    db.session.add(ActionItem(charter_id=charter.id, owner_department_id=org.stores.id,
                              title="Only task", due_on=date(2027, 1, 1)))  # fmt: skip
    db.session.commit()
    page = login_as(org.head_b).get("/reviews/actions?page=7").get_data(as_text=True)
    assert "Only task" in page and 'class="pager"' not in page


def test_a_charters_audit_trail_comes_a_hundred_events_a_page(org, make_charter, login_as):
    charter = make_charter()
    for i in range(AUDIT_PER_PAGE + 30):
        record_event("comment_added", actor=org.head_a, object_type="comment", object_id=i,
                     charter_id=charter.id)  # fmt: skip
    db.session.commit()
    assert verify_chain().ok
    head = login_as(org.head_b)
    first = head.get(f"/charters/{charter.id}/audit").get_data(as_text=True)
    second = head.get(f"/charters/{charter.id}/audit?page=2").get_data(as_text=True)
    ids = [int(n) for n in _rows(first, "<td>") + _rows(second, "<td>")]
    total = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.charter_id == charter.id)
    )
    assert len(_rows(first, "<td>")) == AUDIT_PER_PAGE and len(ids) == total
    assert ids == sorted(ids, reverse=True)  # newest first, none twice, none left out
    assert f'href="/charters/{charter.id}/audit?page=2" rel="next"' in first
    outsider = make_charter("Other", department_a=org.it, department_b=org.stores)
    assert login_as(org.head_a).get(f"/charters/{outsider.id}/audit?page=2").status_code == 404


def test_the_audit_trail_says_in_words_what_readings_and_terms_recorded(org, make_charter):
    charter = make_charter()
    entered = record_event("readings_entered", actor=org.head_a, object_type="charter",
                           object_id=charter.id, charter_id=charter.id,
                           data={"created": 3, "updated": 0})  # fmt: skip
    activated = record_event("activated", actor=None, object_type="charter", object_id=charter.id,
                             charter_id=charter.id, data={"valid_until": "2027-05-06"})  # fmt: skip
    db.session.commit()
    with force_locale("fr"):
        described = describe_events([entered, activated])
    assert described[entered.id] == ["3 valeurs saisies"]  # nothing said of none corrected
    assert described[activated.id] == ["en vigueur jusqu’au 6 mai 2027"]


def test_an_administrator_reads_every_action_of_the_company(org, make_charter, login_as):
    page = login_as(org.admin).get("/reviews/actions").get_data(as_text=True)
    assert "No review has planned an action yet." in page and "your departments" not in page
    charter = make_charter(department_b=org.it, status=CharterStatus.ACTIVE)
    db.session.add(ActionItem(charter_id=charter.id, owner_department_id=org.it.id,
                              title="Task of IT", due_on=date(2027, 1, 1)))  # fmt: skip
    db.session.commit()
    page = login_as(org.admin).get("/reviews/actions").get_data(as_text=True)
    assert "every review plan of the company" in page and "Task of IT" in page
