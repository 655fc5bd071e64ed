"""Two people filling the same review: fields only one changed merge, only shared edits conflict."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus
from sla_contracts.reviews import operations as ops
from sla_contracts.reviews.meeting import merge, save_meeting
from sla_contracts.reviews.meeting_input import (
    ActionValues,
    AssessmentValues,
    FieldPath,
    MeetingConflict,
    MeetingInvalid,
    MeetingSave,
    MeetingValues,
)

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def review(make_charter, org):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(2, 2))
    charter.next_review_on = date(2027, 1, 20)
    review = ops.plan_review(charter, NOW)
    ops.start_review(org.head_a, review, now=NOW)
    db.session.commit()
    return review


class _MeetingForm(HTMLParser):
    """The meeting form's fields as a browser would send them (no button pressed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "meeting-form" in (a.get("class") or ""):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            else:
                self.values[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def _form(page: str) -> dict[str, str]:
    parser = _MeetingForm()
    parser.feed(page)
    return parser.values


def _form(page: str) -> dict[str, str]:
    parser = _MeetingForm()
    parser.feed(page)
    return parser.values


def _open_twice(review, org, login_as):
    """Hélène and Isabelle open the same meeting page before either saves."""
    helene, isabelle = login_as(org.head_a), login_as(org.head_b)
    url = f"/reviews/{review.id}"
    h_form = _form(helene.get(url).get_data(as_text=True))
    i_form = _form(isabelle.get(url).get_data(as_text=True))
    return url, helene, h_form, isabelle, i_form


# ---------------------------------------------------------------- on the page


def test_two_people_changing_different_fields_both_keep_their_work(review, org, login_as):
    url, helene, h_form, isabelle, i_form = _open_twice(review, org, login_as)
    assert "snapshot" in h_form and "minutes" in i_form
    saved = helene.post(url, {**h_form, "minutes": "Hélène's notes\nline 2", "intent": "save"})
    assert saved.status_code == 302

    stale = isabelle.post(url, {**i_form, "irritants": "Isabelle's irritants", "intent": "save"})
    assert stale.status_code == 302  # merged silently: nobody's work is at stake
    db.session.expire_all()
    assert review.minutes.replace("\r\n", "\n") == "Hélène's notes\nline 2"
    assert review.irritants == "Isabelle's irritants"


def test_both_changing_the_same_field_conflicts_on_that_field_only(review, org, login_as):
    url, helene, h_form, isabelle, i_form = _open_twice(review, org, login_as)
    first = review.assessments[0].id
    helene.post(url, {**h_form, "minutes": "Version H", f"assessment-{first}-result": "met"})
    stale = isabelle.post(
        url, {**i_form, "minutes": "Version I", "satisfaction_a_of_b": "4", "irritants": "Docks"}
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert re.findall(r'id="([^"]+)-saved"', page) == ["minutes"]
    assert f"{org.head_a.name} saved this field meanwhile:" in html.unescape(page)
    assert "Version H" in html.unescape(page)
    again = _form(page)
    # Nothing of her save is lost: her three entries are in the form, his result too.
    assert again["minutes"].strip() == "Version I"
    assert again["satisfaction_a_of_b"] == "4" and again["irritants"] == "Docks"
    assert again[f"assessment-{first}-result"] == "met"
    db.session.expire_all()
    assert review.minutes == "Version H" and review.irritants == ""  # nothing saved yet

    assert isabelle.post(url, again).status_code == 302
    db.session.expire_all()
    assert review.minutes == "Version I" and review.irritants == "Docks"
    assert review.satisfaction_a_of_b == 4
    assert review.assessments[0].result.value == "met"


def test_keeping_their_value_withdraws_only_that_change(review, org, login_as):
    url, helene, h_form, isabelle, i_form = _open_twice(review, org, login_as)
    helene.post(url, {**h_form, "minutes": "Version H"})
    stale = isabelle.post(url, {**i_form, "minutes": "Version I", "irritants": "Docks"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert 'name="keep_theirs" value="minutes"' in page
    again = _form(page)
    again.pop("keep_theirs", None)
    assert isabelle.post(url, {**again, "keep_theirs": "minutes"}).status_code == 302
    db.session.expire_all()
    assert review.minutes == "Version H" and review.irritants == "Docks"


def test_the_same_value_typed_by_both_is_no_conflict(review, org, login_as):
    url, helene, h_form, isabelle, i_form = _open_twice(review, org, login_as)
    helene.post(url, {**h_form, "criterion_value": "2.5", "irritants": "Docks"})
    stale = isabelle.post(url, {**i_form, "criterion_value": "2,5", "irritants": "Docks "})
    assert stale.status_code == 302
    db.session.expire_all()
    assert review.criterion_value == 2.5 and review.irritants == "Docks"


def test_conflict_wording_names_who_saved_and_does_not_invite_overwriting(review, org, login_as):
    org.head_b.locale = "fr"
    db.session.commit()
    url, helene, h_form, isabelle, i_form = _open_twice(review, org, login_as)
    helene.post(url, {**h_form, "minutes": "Version H"})
    page = html.unescape(isabelle.post(url, {**i_form, "minutes": "Version I"}).get_data(True))
    assert f"{org.head_a.name} a enregistré cette revue pendant que vous la remplissiez" in page
    assert "Rien de vos saisies n'est encore enregistré" in page
    assert "remplaceront" not in page and "replace theirs" not in page


def test_stale_page_saving_without_viewing_the_conflict_keeps_untouched_fields(
    review, org, login_as
):
    """Even a direct re-post of the stale page (new lock) keeps the other person's fields."""
    helene, isabelle = login_as(org.head_a), login_as(org.head_b)
    url = f"/reviews/{review.id}"
    h_form = _form(helene.get(url).get_data(as_text=True))
    i_form = _form(isabelle.get(url).get_data(as_text=True))
    helene.post(url, {**h_form, "minutes": "Notes H", "satisfaction_a_of_b": "4"})
    db.session.expire_all()
    isabelle.post(
        url,
        {**i_form, "lock_version": str(review.lock_version), "irritants": "Irritants I"},
    )
    db.session.expire_all()
    assert review.minutes == "Notes H" and review.satisfaction_a_of_b == 4
    assert review.irritants == "Irritants I"


def test_a_page_without_its_snapshot_cannot_merge_and_gets_409(review, org, login_as):
    url, helene, h_form, isabelle, i_form = _open_twice(review, org, login_as)
    helene.post(url, {**h_form, "minutes": "Version H"})
    i_form.pop("snapshot")
    stale = isabelle.post(url, {**i_form, "irritants": "Docks"})
    assert stale.status_code == 409
    assert _form(stale.get_data(as_text=True))["irritants"] == "Docks"


# ---------------------------------------------------------------- the service


def _values(**fields) -> MeetingValues:
    return MeetingValues(**fields)


@pytest.mark.parametrize(
    ("sent", "seen", "now", "stale", "written", "conflict"),
    [
        (None, "a", "b", True, "b", False),  # not sent: what is saved stays
        ("a", "a", "b", True, "b", False),  # left as shown: the later save stays
        ("c", "a", "a", True, "c", False),  # only I changed it
        ("c", "a", "b", True, "c", True),  # we both changed it, differently
        ("b", "a", "b", True, "b", False),  # we both typed the same
        ("c", "a", "b", False, "c", False),  # not stale: my page was current
        ("c", None, "b", True, "c", True),  # unknown what I saw, and it differs
    ],
)
def test_three_way_merge_of_one_field(review, sent, seen, now, stale, written, conflict):
    save = MeetingSave(lock_version=1, sent=_values(irritants=sent), seen=_values(irritants=seen))
    current = MeetingValues.recorded(review)
    current = MeetingValues(**{**current.__dict__, "irritants": now})
    merged, conflicts = merge(save, current, stale=stale)
    assert merged.irritants == written
    assert (FieldPath("irritants") in conflicts) is conflict


def test_api_style_save_without_what_was_seen_is_refused_when_stale(review, org):
    seen = review.lock_version
    save_meeting(org.head_a, review, MeetingSave(seen, _values(minutes="H")), now=NOW)
    db.session.commit()
    with pytest.raises(MeetingConflict) as caught:
        save_meeting(org.head_b, review, MeetingSave(seen, _values(irritants="I")), now=NOW)
    assert caught.value.status == 409 and caught.value.code == "conflict"
    assert caught.value.details["current_lock_version"] == review.lock_version


def test_refused_values_are_named_by_domain_path(review, org):
    first = review.assessments[0].id
    values = MeetingValues(
        satisfaction_a_of_b="9",
        assessments={first: AssessmentValues(result="great")},
        actions=(ActionValues(title="Second dock", due_on="2027-03-01"),),
    )
    with pytest.raises(MeetingInvalid) as caught:
        save_meeting(org.head_a, review, MeetingSave(review.lock_version, values), now=NOW)
    assert set(caught.value.details["errors"]) == {
        "satisfaction_a_of_b",
        f"assessments[{first}].result",
        "actions[0].owner_user_id",
    }
    assert caught.value.field == f"assessments[{first}].result"


def test_a_measured_value_shown_in_the_readers_spelling_is_no_change(review, org, login_as):
    """Saved "91.605" shows as "91,605" to a French reader: not a change nobody made."""
    first = review.assessments[0]
    first.measured_value = "91.605"
    org.head_a.locale = org.head_b.locale = "fr"
    db.session.commit()
    url, helene, h_form, isabelle, i_form = _open_twice(review, org, login_as)
    measured = f"assessment-{first.id}-measured"
    assert i_form[measured] == "91,605"
    assert helene.post(url, {**h_form, "minutes": "Notes", "intent": "save"}).status_code == 302
    stale = isabelle.post(url, {**i_form, measured: "92,5", "intent": "save"})
    assert stale.status_code == 302  # only Isabelle changed it: no conflict
    db.session.expire_all()
    assert first.measured_value == "92,5" and review.minutes == "Notes"
