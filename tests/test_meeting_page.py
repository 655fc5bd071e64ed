"""The meeting page filled by two people at once: nobody's notes are lost, conflicts show both."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus
from sla_contracts.reviews import operations as ops

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    with force_locale("en"):
        yield


@pytest.fixture
def active(make_charter):
    return make_charter(status=CharterStatus.ACTIVE, commitments=(2, 2))


@pytest.fixture
def review(active, org):
    active.next_review_on = date(2027, 1, 20)
    review = ops.plan_review(active, NOW)
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


def test_stale_page_never_overwrites_notes_saved_meanwhile(review, org, login_as):
    helene, isabelle = login_as(org.head_a), login_as(org.head_b)
    url = f"/reviews/{review.id}"
    h_form = _form(helene.get(url).get_data(as_text=True))
    i_form = _form(isabelle.get(url).get_data(as_text=True))
    assert "snapshot" in h_form and "minutes" in i_form

    saved = helene.post(url, {**h_form, "minutes": "Hélène's notes\nline 2", "intent": "save"})
    assert saved.status_code == 302

    stale = isabelle.post(url, {**i_form, "irritants": "Isabelle's irritants", "intent": "save"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    again = _form(page)
    # Her entry is kept; what she did not touch shows what Hélène saved.
    assert again["irritants"] == "Isabelle's irritants"
    assert again["minutes"].strip() == "Hélène's notes\nline 2"
    assert 'id="irritants-saved"' in page and 'id="minutes-saved"' not in page

    resaved = isabelle.post(url, {**again, "intent": "save"})
    assert resaved.status_code == 302
    db.session.expire_all()
    assert review.minutes.replace("\r\n", "\n") == "Hélène's notes\nline 2"
    assert review.irritants == "Isabelle's irritants"


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


def test_field_changed_by_both_shows_theirs_and_resave_writes_mine(review, org, login_as):
    helene, isabelle = login_as(org.head_a), login_as(org.head_b)
    url = f"/reviews/{review.id}"
    first = review.assessments[0].id
    h_form = _form(helene.get(url).get_data(as_text=True))
    i_form = _form(isabelle.get(url).get_data(as_text=True))
    helene.post(url, {**h_form, "minutes": "Version H", f"assessment-{first}-result": "met"})
    stale = isabelle.post(url, {**i_form, "minutes": "Version I"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    again = _form(page)
    assert again["minutes"].strip() == "Version I"
    assert 'id="minutes-saved"' in page and "Version H" in html.unescape(page)
    assert again[f"assessment-{first}-result"] == "met"  # untouched by her: saved value shown
    assert isabelle.post(url, again).status_code == 302
    db.session.expire_all()
    assert review.minutes == "Version I"
    assert review.assessments[0].result.value == "met"
