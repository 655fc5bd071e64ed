"""Charter pages: permissions on every route, CSRF, escaping, conflicts, history."""

from __future__ import annotations

import html
import re

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import Charter, Comment, Commitment, Revision

from .plugins.charters import COMMITMENT_DEFAULTS
from .plugins.people import Browser


def commitment_form(**overrides):
    data = {"title": "Livrer à J+1", **COMMITMENT_DEFAULTS}
    data.update(overrides)
    return data


@pytest.fixture
def charter(make_charter, org):
    charter = make_charter(commitments=(1, 1))
    db.session.add(
        Revision(
            charter_id=charter.id,
            number=1,
            action="created",
            summary="",
            snapshot={"title": charter.title, "commitments": []},
        )
    )
    db.session.add(Comment(charter_id=charter.id, author_id=org.member_a.id, body="Question"))
    db.session.commit()
    return charter


def routes(charter: Charter, org):
    """Every charter URL: (method, url, data, is_write)."""
    cid = charter.id
    a_commitment = charter.commitments_by(org.logistics.id)[0].id
    comment = db.session.scalars(db.select(Comment.id)).first()
    return [
        ("GET", f"/charters/{cid}", None, False),
        ("GET", f"/charters/{cid}/history", None, False),
        ("GET", f"/charters/{cid}/history/diff?from=1&to=1", None, False),
        ("GET", f"/charters/{cid}/edit", None, True),
        (
            "POST",
            f"/charters/{cid}/edit",
            {
                "title": "x",
                "criterion_id": charter.criterion_id,
                "review_cadence_months": 3,
                "lock_version": 1,
            },
            True,
        ),
        ("GET", f"/charters/{cid}/commitments/new?provider={org.logistics.id}", None, True),
        (
            "POST",
            f"/charters/{cid}/commitments/new?provider={org.logistics.id}",
            commitment_form(),
            True,
        ),
        ("GET", f"/charters/{cid}/commitments/{a_commitment}/edit", None, True),
        (
            "POST",
            f"/charters/{cid}/commitments/{a_commitment}/edit",
            commitment_form(lock_version=1),
            True,
        ),
        ("POST", f"/charters/{cid}/commitments/{a_commitment}/move", {"direction": "down"}, True),
        ("POST", f"/charters/{cid}/commitments/{a_commitment}/delete", {"lock_version": 1}, True),
        ("POST", f"/charters/{cid}/comments", {"body": "Hello"}, False),
        ("POST", f"/charters/{cid}/comments/{comment}/resolve", {"resolved": "1"}, False),
    ]


def _snapshot_state():
    return (
        sorted((c.id, c.title, c.lock_version) for c in db.session.scalars(db.select(Commitment))),
        db.session.scalar(db.select(db.func.count(Comment.id))),
        [(c.id, c.title, c.lock_version) for c in db.session.scalars(db.select(Charter))],
    )


def test_outsider_gets_404_on_every_charter_url_and_changes_nothing(org, charter, login_as):
    outsider = login_as(org.outsider)
    before = _snapshot_state()
    for method, url, data, _write in routes(charter, org):
        response = outsider.get(url) if method == "GET" else outsider.post(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    db.session.expire_all()
    assert _snapshot_state() == before


@pytest.mark.parametrize("who", ["member_a", "member_b"])
def test_members_read_but_get_403_on_every_write(org, charter, login_as, who):
    member = login_as(getattr(org, who))
    before = _snapshot_state()
    for method, url, data, is_write in routes(charter, org):
        if not is_write:
            continue
        response = member.get(url) if method == "GET" else member.post(url, data)
        assert response.status_code == 403, (method, url, response.status_code)
    db.session.expire_all()
    assert _snapshot_state() == before
    page = member.get(f"/charters/{charter.id}").get_data(as_text=True)
    assert "A commitment 1" in page and "B commitment 1" in page
    assert "/edit" not in page  # no edit buttons for readers


def test_anonymous_is_sent_to_login_on_every_url(org, charter, client):
    for method, url, data, _write in routes(charter, org):
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        if method == "POST":
            assert response.status_code in (302, 400), url  # CSRF or login, never a change
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url


OWNERS_ONLY = ("/commitments/new", "/edit", "/move", "/delete")


@pytest.mark.parametrize("who", ["head_a", "head_b", "admin"])
def test_heads_and_admin_can_use_every_url(org, charter, login_as, who):
    """Every URL works for the heads and the administrator, except that the head of B changes
    A's commitments only by proposing (a direct write is a 403)."""
    user = login_as(getattr(org, who))
    a_commitment = charter.commitments_by(org.logistics.id)[0]
    before = (a_commitment.id, a_commitment.position, a_commitment.title)
    for method, url, data, _write in routes(charter, org):
        response = user.get(url) if method == "GET" else user.post(url, data)
        owners_only = "/commitments/" in url and url.endswith(OWNERS_ONLY) or "provider=" in url
        if who == "head_b" and method == "POST" and owners_only:
            # Forms answer 403; the move and remove buttons come back with the message.
            assert response.status_code in (302, 403), (method, url, response.status_code)
        else:
            assert response.status_code in (200, 302), (method, url, response.status_code)
    if who == "head_b":
        db.session.expire_all()
        kept = db.session.get(Commitment, before[0])
        assert kept is not None and (kept.id, kept.position, kept.title) == before
        assert len(charter.commitments_by(org.logistics.id)) == 1


def test_commitment_of_another_charter_is_404_under_my_charter(
    org, charter, make_charter, make_department, make_user, login_as
):
    mine = make_charter("Mine", department_a=org.it, department_b=org.stores)
    foreign = charter.commitments[0].id
    head = login_as(org.outsider)  # head of IT: may edit "mine", not "charter"
    assert head.get(f"/charters/{mine.id}/commitments/{foreign}/edit").status_code == 404
    assert head.post(f"/charters/{mine.id}/commitments/{foreign}/delete").status_code == 404
    assert db.session.get(Commitment, foreign) is not None


def test_post_without_csrf_token_is_refused(org, charter, login_as):
    head = login_as(org.head_a)
    response = head.post(f"/charters/{charter.id}/comments", {"body": "x"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 1


def test_new_charter_form_keeps_text_and_explains_same_department(org, login_as):
    head = login_as(org.admin)  # an admin is offered every department on both sides
    response = head.post(
        "/charters/new",
        {
            "title": "Mon titre <b>gras</b>",
            "department_a_id": org.logistics.id,
            "department_b_id": org.logistics.id,
            "criterion_id": org.criterion.id,
            "review_cadence_months": 3,
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "two different departments" in page
    assert "Mon titre &lt;b&gt;gras&lt;/b&gt;" in page
    assert db.session.scalar(db.select(db.func.count(Charter.id))) == 0


def test_new_charter_refuses_unknown_cadence_and_criterion(org, login_as):
    head = login_as(org.head_a)
    response = head.post(
        "/charters/new",
        {
            "title": "T",
            "department_a_id": org.logistics.id,
            "department_b_id": org.stores.id,
            "criterion_id": 9999,
            "review_cadence_months": 2,
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count(Charter.id))) == 0


def test_head_is_not_offered_own_department_as_the_other_side(org, login_as):
    page = login_as(org.head_a).get("/charters/new").get_data(as_text=True)
    other = page.split('id="department_b_id"')[1].split("</select>")[0]
    assert "Magasins" in other and "Logistique" not in other


def test_all_missing_choices_are_flagged_at_once(org, login_as):
    response = login_as(org.head_a).post(
        "/charters/new",
        {
            "title": "",
            "department_a_id": org.logistics.id,
            "department_b_id": 0,
            "criterion_id": 0,
            "review_cadence_months": 3,
        },
    )
    assert response.status_code == 422
    assert response.get_data(as_text=True).count('aria-invalid="true"') == 3


def test_member_cannot_open_the_new_charter_form(org, login_as):
    member = login_as(org.member_a)
    response = member.get("/charters/new")
    assert response.status_code == 302


def test_script_in_user_text_is_shown_escaped(org, charter, login_as):
    head = login_as(org.head_b)
    evil = '<script>alert("x")</script>'
    response = head.post(
        f"/charters/{charter.id}/commitments/new?provider={org.stores.id}",
        commitment_form(title=evil, customer_impact=evil),
    )
    assert response.status_code == 302
    head.post(f"/charters/{charter.id}/comments", {"body": evil})
    page = head.get(f"/charters/{charter.id}").get_data(as_text=True)
    assert evil not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    history = head.get(f"/charters/{charter.id}/history").get_data(as_text=True)
    assert evil not in history


def test_empty_required_field_redisplays_the_form_with_text(org, charter, login_as):
    head = login_as(org.head_a)
    response = head.post(
        f"/charters/{charter.id}/commitments/new?provider={org.stores.id}",
        commitment_form(title="Mon engagement précieux", customer_impact=""),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Mon engagement précieux" in page
    assert 'aria-invalid="true"' in page
    assert len(charter.commitments) == 2


def test_overlong_field_is_refused_with_message(org, charter, login_as):
    head = login_as(org.head_b)
    response = head.post(
        f"/charters/{charter.id}/commitments/new?provider={org.stores.id}",
        commitment_form(unit="x" * 33),
    )
    assert response.status_code == 422


def _edit_form_version(page: str) -> int:
    return int(re.search(r'name="lock_version"[^>]*value="(\d+)"', page).group(1))


def _edit_form_base(page: str) -> str:
    return html.unescape(re.search(r'name="base" type="hidden" value="([^"]*)"', page).group(1))


def test_two_heads_editing_the_same_commitment_field_second_sees_the_conflict_text_kept(
    org, charter, login_as
):
    # Alice heads the side that provides it; "Bruno" here is the administrator acting for it.
    alice, bruno = login_as(org.head_a), login_as(org.admin)
    commitment = charter.commitments_by(org.logistics.id)[0]
    url = f"/charters/{charter.id}/commitments/{commitment.id}/edit"
    pages = [alice.get(url).get_data(as_text=True), bruno.get(url).get_data(as_text=True)]
    seen_a, seen_b = (_edit_form_version(p) for p in pages)
    assert seen_a == seen_b
    base_a, base_b = (_edit_form_base(p) for p in pages)
    first = alice.post(
        url, commitment_form(title="Texte d'Alice", lock_version=seen_a, base=base_a)
    )
    assert first.status_code == 302
    second = bruno.post(
        url,
        commitment_form(title="Texte de Bruno, long et précieux", lock_version=seen_b, base=base_b),
    )
    assert second.status_code == 409  # nothing silently overwritten
    page = html.unescape(second.get_data(as_text=True))
    assert f"{org.head_a.name} changed what you changed too" in page
    assert 'value="Texte de Bruno, long et précieux"' in page  # his text is still in the form
    assert "Texte <del>d'Alice</del>" in page  # hers beside it, the difference marked
    db.session.expire_all()
    assert db.session.get(Commitment, commitment.id).title == "Texte d'Alice"
    # Keeping his from the conflict screen (against the version it showed) saves it.
    third = bruno.post(
        url,
        commitment_form(
            title="Texte de Bruno",
            lock_version=_edit_form_version(page),
            base=_edit_form_base(page),
            resolve="mine",
        ),
    )
    assert third.status_code == 302
    db.session.expire_all()
    assert db.session.get(Commitment, commitment.id).title == "Texte de Bruno"


def test_charter_edit_from_a_form_without_base_is_refused_text_kept(org, charter, login_as):
    alice, bruno = login_as(org.head_a), login_as(org.head_b)
    url = f"/charters/{charter.id}/edit"
    data = {"criterion_id": charter.criterion_id, "review_cadence_months": 6, "lock_version": 1}
    assert alice.post(url, {**data, "title": "Titre A"}).status_code == 302
    response = bruno.post(url, {**data, "title": "Titre B"})
    assert response.status_code == 409
    assert "Titre B" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Charter, charter.id).title == "Titre A"


def test_balance_says_plainly_when_a_side_has_none(org, make_charter, login_as):
    charter = make_charter(commitments=(2, 0))
    page = login_as(org.head_a).get(f"/charters/{charter.id}").get_data(as_text=True)
    assert "Logistique makes 2 commitments" in page
    assert "Magasins makes 0 commitments" in page
    assert "Magasins has not committed to anything yet" in page
    assert "cannot go to signature" in page


def test_history_and_diff_pages_show_fields_by_name(org, make_charter, login_as):
    head = login_as(org.head_a)
    response = head.post(
        "/charters/new",
        {
            "title": "Historique",
            "department_a_id": org.logistics.id,
            "department_b_id": org.stores.id,
            "criterion_id": org.criterion.id,
            "review_cadence_months": 3,
        },
    )
    url = response.headers["Location"]
    cid = int(url.rstrip("/").split("/")[-1])
    head.post(f"/charters/{cid}/commitments/new?provider={org.logistics.id}", commitment_form())
    commitment = db.session.scalars(db.select(Commitment)).one()
    head.post(
        f"/charters/{cid}/commitments/{commitment.id}/edit",
        commitment_form(target="98", lock_version=1),
    )
    history = head.get(f"/charters/{cid}/history").get_data(as_text=True)
    assert "Alice Head" in history and "Commitment changed" in history
    diff = head.get(f"/charters/{cid}/history/diff?from=2&to=3").get_data(as_text=True)
    assert "Target" in diff and "<del>95</del>" in diff and "<ins>98</ins>" in diff
    assert '{"' not in diff  # a person's view, not a JSON dump
    assert head.get(f"/charters/{cid}/history/diff?from=1&to=99").status_code == 404


def test_reorder_and_remove_from_the_page(org, make_charter, login_as):
    charter = make_charter(commitments=(2, 1))
    head = login_as(org.head_a)
    first, second = charter.commitments_by(org.logistics.id)
    head.post(f"/charters/{charter.id}/commitments/{second.id}/move", {"direction": "up"})
    db.session.expire_all()
    assert [c.id for c in charter.commitments_by(org.logistics.id)] == [second.id, first.id]
    first_id = first.id
    head.post(
        f"/charters/{charter.id}/commitments/{first_id}/delete",
        {"lock_version": db.session.get(Commitment, first_id).lock_version},
    )
    db.session.expire_all()
    assert db.session.get(Commitment, first_id) is None


def test_comment_on_a_commitment_and_resolve_it(org, charter, login_as):
    member = login_as(org.member_b)
    commitment = charter.commitments[0]
    response = member.post(
        f"/charters/{charter.id}/comments",
        {"body": "Quel délai exact ?", "commitment_id": commitment.id},
    )
    assert response.status_code == 302
    comment = db.session.scalars(
        db.select(Comment).where(Comment.commitment_id == commitment.id)
    ).one()
    head = login_as(org.head_a)
    head.post(f"/charters/{charter.id}/comments/{comment.id}/resolve", {"resolved": "1"})
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).is_resolved
    empty = member.post(f"/charters/{charter.id}/comments", {"body": "  "})
    assert empty.status_code == 422


def test_discussion_does_not_say_no_comment_while_one_is_under_a_commitment(
    org, make_charter, login_as
):
    charter = make_charter(commitments=(1, 1))
    db.session.commit()
    member = login_as(org.member_b)
    member.post(f"/charters/{charter.id}/comments",
                {"body": "Quel délai ?", "commitment_id": charter.commitments[0].id})  # fmt: skip
    page = member.get(f"/charters/{charter.id}").get_data(as_text=True)
    assert "No comment on the charter yet." not in page
    assert "No comment on the charter as a whole yet; 1 comment is under its commitment." in page


def test_home_page_lists_my_charters_and_what_waits(org, charter, login_as):
    page = login_as(org.head_b).get("/").get_data(as_text=True)
    assert charter.title.replace("⇄", "⇄") in page
    assert "Waiting for me" in page
    outsider_page = login_as(org.outsider).get("/").get_data(as_text=True)
    assert charter.title not in outsider_page


def test_charter_page_query_count_is_bounded(org, make_charter, login_as, app):
    from sqlalchemy import event

    head = login_as(org.head_a)
    small = make_charter("Small", commitments=(1, 1))
    big = make_charter("Big", commitments=(25, 25))
    for c in big.commitments[:10]:
        db.session.add(
            Comment(charter_id=big.id, commitment_id=c.id, author_id=org.head_a.id, body="Note")
        )
    db.session.commit()
    counts = []

    def count(*_args, **_kw):
        counts[-1] += 1

    for charter in (small, big):
        counts.append(0)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert head.get(f"/charters/{charter.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    # Comments' authors add one query when there are comments; nothing grows with the size.
    assert counts[1] - counts[0] <= 2, counts
    # +2 from the reviews feature: the inbox badge count and the reviews section (one query each);
    # +2 for what waits (the actions badge) and the charter's standing (one query each);
    # +2 for presence: the reader's row written, who else is here read;
    # +4 for the negotiation: expectations, their answers, each line's agreements and proposals.
    # +2 for each card's author and last editor.
    # +1 for what each commitment depends on (and so what depends on it).
    assert counts[1] <= 31, counts


def test_language_switch_is_kept_per_user(org, login_as, app):
    head = login_as(org.head_a)
    head.post("/language", {"lang": "fr", "next": "/"})
    db.session.expire_all()
    assert org.head_a.locale == "fr"
    other_client = Browser(app.test_client())
    other_client.login(org.head_a)
    page = other_client.get("/").get_data(as_text=True)
    assert '<html lang="fr"' in page
