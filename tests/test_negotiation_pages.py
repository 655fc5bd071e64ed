"""The charter page's negotiation: expectations and their answers, proposals shown as diffs and
decided on the card, each side's agreement, and the panel of what blocks signature."""

from __future__ import annotations

import html
import re

import pytest

from sla_contracts.charters import negotiation as neg
from sla_contracts.charters import operations as ops
from sla_contracts.extensions import db
from sla_contracts.models import Expectation, ExpectationStatus, Proposal, ProposalStatus

from .plugins.charters import COMMITMENT_DEFAULTS


@pytest.fixture
def draft(org, make_charter):
    """A draft with one commitment per side, neither agreed yet by both."""
    return make_charter(commitments=(1, 1), agreed=False)


def _page(client, charter) -> str:
    response = client.get(f"/charters/{charter.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to the next sibling of its kind."""
    start = page.index(f'id="{element_id}"')
    tag = page.rfind("<", 0, start)
    name = re.match(r"<(\w+)", page[tag:]).group(1)
    depth, pos = 0, tag
    for match in re.finditer(rf"<(/?){name}\b", page[tag:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            pos = tag + match.end()
            break
    return page[tag:pos]


def _expect(actor, charter, text="Orders placed before 2 pm", **kw):
    expectation = neg.add_expectation(
        actor, charter, text=text, customer_reason="Shelves full in the morning", **kw
    )
    db.session.commit()
    return expectation


# ---------------------------------------------------------------- expectations


def test_head_adds_an_expectation_shown_above_the_commitments_that_answer_it(org, draft, login_as):
    head_b = login_as(org.head_b)
    response = head_b.post(
        f"/charters/{draft.id}/expectations",
        {
            "department_id": org.stores.id,
            "text": "Orders before 2 pm",
            "customer_reason": "Full shelves at opening",
        },
    )
    assert response.status_code == 302
    expectation = db.session.scalars(db.select(Expectation)).one()
    assert response.headers["Location"].endswith(f"#expectation-{expectation.id}")
    assert (expectation.from_department_id, expectation.to_department_id) == (
        org.stores.id,
        org.logistics.id,
    )
    page = _page(head_b, draft)
    side = _section(page, f"side-{org.logistics.id}")
    assert "What Magasins expects of Logistique" in side
    assert "Orders before 2 pm" in side and "Full shelves at opening" in side
    assert "1 expectation still open" in side
    assert "Asked by Bruno Head" in side
    panel = _section(page, "readiness")
    assert "1 expectation open" in panel
    assert f'href="#expectation-{expectation.id}"' in panel
    # The asker rewords and withdraws; the addressee's forms are not offered to them.
    item = _section(page, f"expectation-{expectation.id}")
    assert "Reword" in item and "Withdraw" in item
    assert "Answer with commitments" not in item and "Decline" not in item
    item_a = _section(_page(login_as(org.head_a), draft), f"expectation-{expectation.id}")
    assert "Answer with commitments" in item_a and "Decline" in item_a
    assert "Reword" not in item_a


def test_bad_expectation_shows_the_page_again_with_the_text_and_the_message(org, draft, login_as):
    head_b = login_as(org.head_b)
    response = head_b.post(
        f"/charters/{draft.id}/expectations",
        {
            "department_id": org.stores.id,
            "text": "Orders before <b>2 pm</b>",
            "customer_reason": "   ",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    form = _section(page, f"expect-reason-{org.stores.id}")
    assert 'aria-invalid="true"' in form
    assert "Orders before &lt;b&gt;2 pm&lt;/b&gt;</textarea>" in page  # kept, escaped
    assert "<b>2 pm</b>" not in page
    assert re.search(r'<details class="expectation-new" open>', page)
    assert db.session.scalar(db.select(db.func.count(Expectation.id))) == 0


def test_user_text_is_escaped_everywhere_on_the_page(org, draft, login_as):
    evil = '<script>alert("x")</script>'
    expectation = _expect(org.head_b, draft, text=evil)
    neg.decide_expectation(org.head_a, expectation, "declined", reason=evil)
    a_commitment = draft.commitments_by(org.logistics.id)[0]
    proposal = neg.propose_change(org.head_b, a_commitment, {"title": evil})
    db.session.commit()
    neg.reject_proposal(org.head_a, proposal, evil)
    neg.propose_change(org.head_b, a_commitment, {"service_standard": evil})
    db.session.commit()
    page = _page(login_as(org.member_b), draft)
    assert "<script>alert" not in page
    assert page.count(html.escape(evil, quote=False).replace('"', "&#34;")) >= 4


def test_addressee_answers_with_commitments_and_declines_with_a_reason(org, draft, login_as):
    first = _expect(org.head_b, draft, "Orders before 2 pm")
    second = _expect(org.head_b, draft, "Deliveries on Sunday")
    mine = draft.commitments_by(org.logistics.id)[0]
    head_a = login_as(org.head_a)
    answered = head_a.post(
        f"/charters/{draft.id}/expectations/{first.id}/answer",
        {"commitment_ids": [mine.id], "lock_version": first.lock_version},
    )
    assert answered.status_code == 302
    empty_reason = head_a.post(
        f"/charters/{draft.id}/expectations/{second.id}/decline",
        {"reason": "", "lock_version": second.lock_version},
    )
    assert empty_reason.status_code == 422
    assert re.search(r'id="decline-\d+-errors" class="field-error"', empty_reason.get_data(True))
    declined = head_a.post(
        f"/charters/{draft.id}/expectations/{second.id}/decline",
        {"reason": "No drivers on Sunday", "lock_version": second.lock_version},
    )
    assert declined.status_code == 302
    db.session.expire_all()
    assert first.status == ExpectationStatus.ANSWERED and first.answer_ids == [mine.id]
    assert second.status == ExpectationStatus.DECLINED
    # Both sides (readers too) see the answer, linked to the card, and the reason.
    page = _page(login_as(org.member_b), draft)
    item = _section(page, f"expectation-{first.id}")
    assert f'<a href="#commitment-{mine.id}">{mine.title}</a>' in item
    assert "answered by Alice Head" in item
    assert "Answered" in item
    card = _section(page, f"commitment-{mine.id}")
    assert f'href="#expectation-{first.id}"' in card  # the card says what it answers
    declined_item = _section(page, f"expectation-{second.id}")
    assert "Declined by Logistique:" in declined_item and "No drivers on Sunday" in declined_item
    assert "Everything is agreed" not in _section(page, "readiness")  # lines not agreed yet


def test_answer_without_a_box_ticked_or_with_the_other_sides_line_is_refused(org, draft, login_as):
    expectation = _expect(org.head_b, draft)
    theirs = draft.commitments_by(org.stores.id)[0]
    head_a = login_as(org.head_a)
    url = f"/charters/{draft.id}/expectations/{expectation.id}/answer"
    none_ticked = head_a.post(url, {"lock_version": expectation.lock_version})
    assert none_ticked.status_code == 422
    assert "Choose at least one of your commitments" in none_ticked.get_data(as_text=True)
    wrong = head_a.post(url, {"commitment_ids": [theirs.id], "lock_version": 1})
    assert wrong.status_code == 422
    assert "addressed to" in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert expectation.status == ExpectationStatus.OPEN


def test_stale_answer_is_a_conflict_shown_with_the_page(org, draft, login_as):
    expectation = _expect(org.head_b, draft)
    neg.update_expectation(org.head_b, expectation, {"text": "Orders before 1 pm"})
    db.session.commit()
    response = login_as(org.head_a).post(
        f"/charters/{draft.id}/expectations/{expectation.id}/decline",
        {"reason": "We cannot", "lock_version": 1},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this expectation since you read it." in page
    assert "We cannot</textarea>" in page  # what was typed is kept


def test_each_side_decides_only_its_part_of_an_expectation(org, draft, login_as, make_charter):
    expectation = _expect(org.head_b, draft)
    mine = draft.commitments_by(org.logistics.id)[0]
    base = f"/charters/{draft.id}/expectations/{expectation.id}"
    head_a, head_b = login_as(org.head_a), login_as(org.head_b)
    lock = {"lock_version": expectation.lock_version}
    refused = [
        head_a.post(f"{base}/edit", {"text": "x", "customer_reason": "y", **lock}),
        head_a.post(f"{base}/withdraw", lock),
        head_b.post(f"{base}/answer", {"commitment_ids": [mine.id], **lock}),
        head_b.post(f"{base}/decline", {"reason": "no", **lock}),
        # Head A cannot ask in the name of Magasins.
        head_a.post(
            f"/charters/{draft.id}/expectations",
            {"department_id": org.stores.id, "text": "x", "customer_reason": "y"},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    for who in (org.member_a, org.member_b):
        member = login_as(who)
        assert member.post(f"{base}/withdraw", lock).status_code == 403
        assert member.post(f"{base}/decline", {"reason": "no", **lock}).status_code == 403
    outsider = login_as(org.outsider)
    assert outsider.post(f"{base}/withdraw", lock).status_code == 404
    assert (
        outsider.post(
            f"/charters/{draft.id}/expectations", {"text": "x", "customer_reason": "y"}
        ).status_code
        == 404
    )
    # Another charter's expectation under this charter's address: not found.
    other = make_charter("Logistique ⇄ Magasins (2)")
    theirs = _expect(org.head_b, other)
    assert (
        head_b.post(f"/charters/{draft.id}/expectations/{theirs.id}/withdraw", lock).status_code
        == 404
    )
    db.session.expire_all()
    assert expectation.status == ExpectationStatus.OPEN and expectation.lock_version == 1
    assert theirs.status == ExpectationStatus.OPEN
    # The asker rewords it (as typed), then withdraws it.
    assert (
        head_b.post(
            f"{base}/edit", {"text": "Orders before 1 pm", "customer_reason": "Shelves", **lock}
        ).status_code
        == 302
    )
    assert head_b.post(f"{base}/withdraw", {"lock_version": 2}).status_code == 302
    db.session.expire_all()
    assert expectation.text == "Orders before 1 pm"
    assert expectation.status == ExpectationStatus.WITHDRAWN
    assert f'id="expectation-{expectation.id}"' not in _page(head_b, draft)


def test_admin_acts_for_the_side_of_the_section_and_it_shows(org, draft, login_as):
    admin = login_as(org.admin)
    assert (
        admin.post(
            f"/charters/{draft.id}/expectations",
            {
                "department_id": org.logistics.id,
                "text": "Store counts by Monday",
                "customer_reason": "Right stock",
            },
        ).status_code
        == 302
    )
    expectation = db.session.scalars(db.select(Expectation)).one()
    assert expectation.from_department_id == org.logistics.id
    theirs = draft.commitments_by(org.stores.id)[0]
    assert (
        admin.post(
            f"/charters/{draft.id}/expectations/{expectation.id}/answer",
            {"commitment_ids": [theirs.id], "lock_version": 1},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert expectation.decided_as_admin is True
    item = _section(_page(login_as(org.head_a), draft), f"expectation-{expectation.id}")
    assert "answered by Ada Admin" in item and "(as administrator)" in item


# ---------------------------------------------------------------- proposals


def test_propose_form_is_prefilled_and_sends_only_the_changed_fields(org, draft, login_as):
    theirs = draft.commitments_by(org.logistics.id)[0]
    head_b = login_as(org.head_b)
    url = f"/charters/{draft.id}/commitments/{theirs.id}/propose"
    form = head_b.get(url)
    assert form.status_code == 200
    assert 'value="95"' in form.get_data(as_text=True)
    # The owner's Edit and the proposer's Propose lead to the right form.
    edit_url = f"/charters/{draft.id}/commitments/{theirs.id}/edit"
    assert head_b.get(edit_url).headers["Location"].endswith(url)
    assert login_as(org.head_a).get(url).headers["Location"].endswith(edit_url)
    card = _section(_page(head_b, draft), f"commitment-{theirs.id}")
    assert "Propose a change" in card and edit_url not in card
    unchanged = head_b.post(url, {**COMMITMENT_DEFAULTS, "title": theirs.title})
    assert unchanged.status_code == 422
    assert "Say which fields you propose to change." in unchanged.get_data(as_text=True)
    blank = head_b.post(url, {**COMMITMENT_DEFAULTS, "title": theirs.title, "target": ""})
    assert blank.status_code == 422  # a required field left empty: the form says so
    sent = head_b.post(url, {**COMMITMENT_DEFAULTS, "title": theirs.title, "target": "98"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"#commitment-{theirs.id}")
    proposal = db.session.scalars(db.select(Proposal)).one()
    assert proposal.changes == {"target": "98"} and proposal.base == {"target": "95"}
    card = _section(_page(login_as(org.head_a), draft), f"commitment-{theirs.id}")
    assert "Change proposed by Bruno Head (Magasins)" in card
    assert "<del>95</del>" in card and "<ins>98</ins>" in card
    assert "Accept" in card and "Reject" in card and "Edit (counter-proposal)" in card
    assert "Withdraw the proposal" not in card
    assert "Withdraw the proposal" in _section(_page(head_b, draft), f"commitment-{theirs.id}")


def _proposal(org, draft, changes):
    commitment = draft.commitments_by(org.logistics.id)[0]
    proposal = neg.propose_change(org.head_b, commitment, changes)
    db.session.commit()
    return commitment, proposal


def test_owner_accepts_a_proposal_and_both_then_agree(org, draft, login_as):
    commitment, proposal = _proposal(org, draft, {"target": "98", "unit": "% of orders"})
    response = login_as(org.head_a).post(f"/charters/{draft.id}/proposals/{proposal.id}/accept")
    assert response.status_code == 302
    db.session.expire_all()
    assert (commitment.target, commitment.unit) == ("98", "% of orders")
    assert commitment.is_agreed and proposal.status == ProposalStatus.ACCEPTED
    card = _section(_page(login_as(org.head_b), draft), f"commitment-{commitment.id}")
    assert "accepted by Alice Head" in card
    assert "agreement-both" in card and "has not agreed yet" not in card


def test_reject_needs_a_reason_which_the_card_then_shows(org, draft, login_as):
    commitment, proposal = _proposal(org, draft, {"target": "98"})
    head_a = login_as(org.head_a)
    url = f"/charters/{draft.id}/proposals/{proposal.id}/reject"
    empty = head_a.post(url, {"reason": " "})
    assert empty.status_code == 422
    assert '<details class="proposal-reject" open>' in empty.get_data(as_text=True)
    assert head_a.post(url, {"reason": "95 is what we can staff"}).status_code == 302
    db.session.expire_all()
    assert proposal.status == ProposalStatus.REJECTED and commitment.target == "95"
    card = _section(_page(login_as(org.head_b), draft), f"commitment-{commitment.id}")
    assert "rejected by Alice Head" in card and "95 is what we can staff" in card
    assert "Change proposed by" not in card  # no longer open


def test_accepting_a_proposal_overtaken_by_an_edit_says_so(org, draft, login_as):
    commitment, proposal = _proposal(org, draft, {"target": "98"})
    # The owner edits the target after the proposal was made.
    ops.update_commitment(
        org.head_a,
        commitment,
        commitment.lock_version,
        {**COMMITMENT_DEFAULTS, "title": commitment.title, "target": "97"},
    )
    db.session.commit()
    db.session.refresh(proposal)
    proposal.status = ProposalStatus.OPEN  # as if it were still open (a concurrent accept)
    db.session.commit()
    head_a = login_as(org.head_a)
    response = head_a.post(f"/charters/{draft.id}/proposals/{proposal.id}/accept")
    assert response.status_code == 302
    page = head_a.get(response.headers["Location"]).get_data(as_text=True)
    assert "This commitment changed since the proposal was made (Target)" in page
    db.session.expire_all()
    assert commitment.target == "97" and proposal.status == ProposalStatus.OPEN


def test_only_the_owner_decides_and_only_the_proposer_withdraws(org, draft, login_as, make_charter):
    commitment, proposal = _proposal(org, draft, {"target": "98"})
    base = f"/charters/{draft.id}/proposals/{proposal.id}"
    head_a, head_b = login_as(org.head_a), login_as(org.head_b)
    assert head_b.post(f"{base}/accept").status_code == 403
    assert head_b.post(f"{base}/reject", {"reason": "no"}).status_code == 403
    assert head_a.post(f"{base}/withdraw").status_code == 403
    assert login_as(org.member_a).post(f"{base}/accept").status_code == 403
    assert login_as(org.outsider).post(f"{base}/accept").status_code == 404
    other = make_charter("Logistique ⇄ Magasins (2)", commitments=(1, 0))
    assert head_a.post(f"/charters/{other.id}/proposals/{proposal.id}/accept").status_code == 404
    theirs = draft.commitments_by(org.stores.id)[0]
    # A head does not propose on their own side's line.
    assert (
        head_b.post(
            f"/charters/{draft.id}/commitments/{theirs.id}/propose",
            {**COMMITMENT_DEFAULTS, "title": "x"},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert proposal.status == ProposalStatus.OPEN
    assert head_b.post(f"{base}/withdraw").status_code == 302
    db.session.expire_all()
    assert proposal.status == ProposalStatus.WITHDRAWN


# ---------------------------------------------------------------- agreement and readiness


def test_agreement_line_and_readiness_panel_until_everything_is_agreed(org, draft, login_as):
    head_a, head_b = login_as(org.head_a), login_as(org.head_b)
    a_line = draft.commitments_by(org.logistics.id)[0]
    page = _page(head_a, draft)
    panel = _section(page, "readiness")
    assert "Before signature: 2 commitments not agreed by both" in panel
    assert f'href="#agreement-{a_line.id}"' in panel
    assert 'href="#readiness"' in _section(page, "why-submit")
    assert 'aria-label="Agree for Logistique: “A commitment 1”"' in page
    for client in (head_a, head_b):
        for line in draft.commitments:
            db.session.refresh(line)
            assert (
                client.post(
                    f"/charters/{draft.id}/commitments/{line.id}/agree",
                    {"lock_version": line.lock_version},
                ).status_code
                == 302
            )
    page = _page(head_a, draft)
    assert "Everything is agreed: ready to submit" in _section(page, "readiness")
    assert "why-submit" not in page
    agreement = _section(page, f"agreement-{a_line.id}")
    assert "agreement-both" in agreement and "Alice Head" in agreement
    assert 'aria-label="Withdraw agreement for Logistique: “A commitment 1”"' in page


def test_charter_page_statements_do_not_grow_with_the_negotiation(org, make_charter, login_as, app):
    from sqlalchemy import event

    head = login_as(org.head_a)
    small = make_charter("Small", commitments=(1, 1), agreed=False)
    big = make_charter("Big", commitments=(12, 12), agreed=False)
    for charter, count in ((small, 1), (big, 10)):
        lines_a = charter.commitments_by(org.logistics.id)
        lines_b = charter.commitments_by(org.stores.id)
        for i in range(count):
            e = _expect(org.head_b, charter, f"Expectation {i}")
            neg.decide_expectation(org.head_a, e, "answered", commitment_ids=[lines_a[i].id])
            _expect(org.head_a, charter, f"Open {i}")
            neg.propose_change(org.head_b, lines_a[i], {"target": "99"})
            neg.agree(org.head_b, lines_b[i], lines_b[i].lock_version)
            db.session.commit()
        p = neg.propose_change(org.head_a, lines_b[0], {"unit": "h"})
        db.session.commit()
        neg.reject_proposal(org.head_b, p, "No")
        db.session.commit()
    counts = []

    def counter(*_args, **_kw):
        counts[-1] += 1

    for charter in (small, big):
        counts.append(0)
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            page = head.get(f"/charters/{charter.id}")
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        assert page.status_code == 200 and "Change proposed by Bruno Head" in page.get_data(True)
    assert counts[0] == counts[1], counts


def test_the_negotiation_reads_in_french(org, draft, login_as):
    expectation = _expect(org.head_b, draft)
    commitment, _proposal_made = _proposal(org, draft, {"target": "98"})
    head_a = login_as(org.head_a)
    head_a.post("/language", {"lang": "fr", "next": "/"})
    page = _page(head_a, draft)
    item = _section(page, f"expectation-{expectation.id}")
    assert "Ouverte" in item and "Demandée par Bruno Head" in item
    assert "Attentes exprimées par Magasins envers Logistique" in page
    card = _section(page, f"commitment-{commitment.id}")
    assert "Modification proposée par Bruno Head (Magasins)" in card and "Accepter" in card
    assert "Avant la signature : 1 attente ouverte" in _section(page, "readiness")
