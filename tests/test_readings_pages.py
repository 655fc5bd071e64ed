"""The readings pages (issue 13, point 1): the charter's form, the CSV upload with its preview
and confirmation, the history, the shared criterion's values, and who may see and enter them."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from sla_contracts import periods
from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, CriterionReading, Reading
from sla_contracts.readings import csv_file
from sla_contracts.readings import operations as readings
from sla_contracts.timeutil import utcnow
from tests.plugins.people import csrf_from
from tests.plugins.reviews import plain


def month(back: int = 0) -> str:
    """The key of the month ``back`` months before the current one ("2026-12")."""
    period = periods.of(periods.PeriodKind.MONTH, utcnow().date())
    for _ in range(back):
        period = period.previous()
    return period.key


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Reading))


def page_of(browser, charter) -> str:
    response = browser.get(f"/charters/{charter.id}/readings")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_csv(browser, charter, text: str, name: str = "values.csv", encoding: str = "utf-8"):
    page = page_of(browser, charter)
    return browser.client.post(
        f"/charters/{charter.id}/readings/upload",
        data={
            "csrf_token": csrf_from(page),
            "file": (io.BytesIO(text.encode(encoding)), name),
        },
        content_type="multipart/form-data",
    )


# ------------------------------------------------------------------ the form


def test_the_form_prefills_the_current_period_and_takes_a_decimal_comma(active, org, login_as):
    first, second = active.commitments[0], active.commitments[1]
    browser = login_as(org.member_b)
    page = page_of(browser, active)
    assert "Enter this period&#39;s values" in page or "Enter this period's values" in page
    assert f'name="period-{first.id}" value="{month()}"' in page
    assert f"no. {first.id}" in page
    response = browser.post(
        f"/charters/{active.id}/readings",
        {
            f"period-{first.id}": month(1),
            f"value-{first.id}": "96,5",
            f"note-{first.id}": "inventaire",
            f"period-{second.id}": month(),  # left blank: skipped
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    reading = db.session.scalar(select(Reading))
    assert (reading.commitment_id, reading.period, reading.value, reading.note) == (
        first.id,
        month(1),
        96.5,
        "inventaire",
    )
    assert count() == 1
    shown = plain(browser.get(response.location).get_data(as_text=True))
    assert "1 created, 0 updated." in shown
    assert "96.5%" in shown  # the reader's locale: English here


def test_french_readers_see_decimal_commas_and_month_names(active, org, login_as):
    org.member_b.locale = "fr"
    db.session.commit()
    first = active.commitments[0]
    readings.enter_readings(
        org.member_b, active, [{"commitment_id": first.id, "period": month(), "value": 96.5}]
    )
    db.session.commit()
    shown = plain(page_of(login_as(org.member_b), active))
    assert "96,5 %" in shown
    name = periods.parse(month(), periods.PeriodKind.MONTH, today=utcnow().date()).start
    assert f"{name.year}" in shown and "Saisir les valeurs de cette période" in shown


def test_a_refused_form_keeps_every_value_and_names_each_bad_field(active, org, login_as):
    first, second = active.commitments[0], active.commitments[1]
    browser = login_as(org.head_a)
    future = periods.of(periods.PeriodKind.MONTH, utcnow().date()).next().key
    response = browser.post(
        f"/charters/{active.id}/readings",
        {
            f"period-{first.id}": month(),
            f"value-{first.id}": "97,2",
            f"period-{second.id}": future,
            f"value-{second.id}": "beaucoup",
            f"note-{second.id}": "à revoir",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'name="value-{first.id}" value="97,2"' in page
    assert f'name="value-{second.id}" value="beaucoup"' in page
    assert f'name="period-{second.id}" value="{future}"' in page
    assert f'name="note-{second.id}" value="à revoir"' in page
    period_errors = re.search(rf'id="period-{second.id}-errors"[^>]*>([^<]*)<', page).group(1)
    assert "has not begun yet" in period_errors
    value_errors = re.search(rf'id="value-{second.id}-errors"[^>]*>([^<]*)<', page).group(1)
    assert "as a number" in value_errors
    assert f'id="value-{first.id}-errors"' not in page
    assert "nothing was saved" in page
    assert count() == 0


def test_free_text_commitments_are_listed_as_not_measured(active, org, login_as):
    free = active.commitments[1]
    free.target, free.target_value = "selon planning", None
    db.session.commit()
    page = page_of(login_as(org.member_a), active)
    assert "Not measured" in page and f'name="value-{free.id}"' not in page
    assert f'name="value-{active.commitments[0].id}"' in page


def test_a_reentered_period_shows_its_earlier_value(active, org, login_as):
    first = active.commitments[0]
    for who, value in ((org.member_a, 91.0), (org.head_b, 93.5)):
        readings.enter_readings(
            who, active, [{"commitment_id": first.id, "period": month(1), "value": value}]
        )
        db.session.commit()
    page = plain(page_of(login_as(org.member_b), active))
    history = page[page.index("History of the readings") :]
    assert "93.5%" in history and "Bruno Head" in history
    assert "1 earlier value" in history and "91% · Mia Member" in history


def test_notes_are_escaped(active, org, login_as):
    first = active.commitments[0]
    browser = login_as(org.member_a)
    response = browser.post(
        f"/charters/{active.id}/readings",
        {
            f"period-{first.id}": month(),
            f"value-{first.id}": "95",
            f"note-{first.id}": "<script>alert(1)</script>",
        },
    )
    assert response.status_code == 302
    page = page_of(browser, active)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_charter_not_in_force_says_when_readings_start(make_charter, org, login_as):
    draft = make_charter("Draft", commitments=(1, 1))
    browser = login_as(org.head_a)
    page = page_of(browser, draft)
    assert 'id="not-in-force"' in page and "once the charter is in force" in page
    cid = draft.commitments[0].id
    assert f'name="value-{cid}"' not in page
    response = browser.post(
        f"/charters/{draft.id}/readings", {f"period-{cid}": month(), f"value-{cid}": "95"}
    )
    assert response.status_code == 409 and count() == 0


def test_the_charter_page_links_to_the_readings(active, org, login_as):
    page = login_as(org.member_a).get(f"/charters/{active.id}").get_data(as_text=True)
    assert f'href="/charters/{active.id}/readings"' in page


# ------------------------------------------------------------------ who may


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/charters/{id}/readings"),
        ("post", "/charters/{id}/readings"),
        ("get", "/charters/{id}/readings/template.csv"),
        ("post", "/charters/{id}/readings/upload"),
        ("post", "/charters/{id}/readings/confirm"),
    ],
)
def test_another_department_gets_404(active, org, login_as, method, path):
    browser = login_as(org.outsider)
    url = path.format(id=active.id)
    cid = active.commitments[0].id
    if method == "get":
        response = browser.get(url)
    else:
        response = browser.post(url, {f"period-{cid}": month(), f"value-{cid}": "95"})
    assert response.status_code == 404
    assert count() == 0


def test_every_post_needs_the_csrf_token(active, org, login_as):
    browser = login_as(org.member_a)
    cid = active.commitments[0].id
    response = browser.post(
        f"/charters/{active.id}/readings",
        {f"period-{cid}": month(), f"value-{cid}": "95"},
        csrf=False,
    )
    assert response.status_code == 400 and count() == 0
    for path in ("upload", "confirm"):
        assert browser.post(f"/charters/{active.id}/readings/{path}", csrf=False).status_code == 400


def test_signed_out_people_are_sent_to_sign_in(active, client):
    assert client.get(f"/charters/{active.id}/readings").status_code == 302


# ------------------------------------------------------------------ CSV


def test_a_semicolon_csv_with_a_bad_line_names_its_line_and_writes_nothing(active, org, login_as):
    first, second = active.commitments[0], active.commitments[1]
    text = (
        "\ufeffcommitment_id;period;value;note\r\n"
        f"{first.id};{month(1)};96,5;ok\r\n"
        "\r\n"
        f"{second.id};{month(1)};pas de valeur;\r\n"
        f'{second.id};{month(2)};"91,25";"une note; avec point-virgule"\r\n'
    )
    browser = login_as(org.member_a)
    response = post_csv(browser, active, text)
    assert response.status_code == 422
    page = plain(response.get_data(as_text=True))
    assert "1 line is wrong: nothing will be written" in page
    assert "Line 4, Value: Enter the value as a number." in page
    assert 'id="csv-confirm"' not in page
    assert count() == 0


def test_a_valid_csv_is_previewed_then_written_on_confirm(active, org, login_as):
    first, second = active.commitments[0], active.commitments[1]
    text = (
        "commitment_id,period,value,note\n"
        f'{first.id},{month(1)},"96,5",first\n'
        f"{second.id},{month(2)},91.25,\n"
    )
    browser = login_as(org.member_b)
    response = post_csv(browser, active, text)
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    page = response.get_data(as_text=True)
    assert "2 lines are ready" in page and count() == 0
    token = re.search(r'name="content" type="hidden" value="([^"]+)"', page).group(1)
    forged = browser.post(f"/charters/{active.id}/readings/confirm", {"content": token + "x"})
    assert forged.status_code == 302 and count() == 0
    response = browser.post(f"/charters/{active.id}/readings/confirm", {"content": token})
    assert response.status_code == 302
    found = {(r.commitment_id, r.period, r.value) for r in db.session.scalars(select(Reading))}
    assert found == {(first.id, month(1), 96.5), (second.id, month(2), 91.25)}
    assert "2 created, 0 updated." in browser.get(response.location).get_data(as_text=True)


def test_a_preview_signed_for_one_charter_is_refused_on_another(
    active, org, login_as, make_charter
):
    other = make_charter("Other", status=CharterStatus.ACTIVE, commitments=(1, 1))
    first = active.commitments[0]
    browser = login_as(org.head_a)
    page = post_csv(
        browser, active, f"commitment_id,period,value\n{first.id},{month()},95\n"
    ).get_data(as_text=True)
    token = re.search(r'name="content" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.post(f"/charters/{other.id}/readings/confirm", {"content": token})
    assert response.status_code == 302 and count() == 0


def test_a_file_without_the_columns_is_refused_with_a_reason(active, org, login_as):
    response = post_csv(login_as(org.head_a), active, "id;month;amount\n1;2027-01;3\n")
    assert response.status_code == 422
    assert "missing: commitment_id, period, value" in plain(response.get_data(as_text=True))


def test_older_excel_files_in_windows_1252_are_read(active, org, login_as):
    first = active.commitments[0]
    text = f"commitment_id;period;value;note\n{first.id};{month()};95,5;réunion\n"
    response = post_csv(login_as(org.head_a), active, text, encoding="cp1252")
    assert response.status_code == 200
    assert "réunion" in response.get_data(as_text=True)


def test_the_template_lists_measured_commitments_and_the_current_period(active, org, login_as):
    free = active.commitments[1]
    free.target, free.target_value = "selon planning", None
    db.session.commit()
    response = login_as(org.member_a).get(f"/charters/{active.id}/readings/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "commitment_id,commitment,period,value,note"
    assert f"{active.commitments[0].id},A commitment 1,{month()},," in lines
    assert not any(line.startswith(f"{free.id},") for line in lines)
    # The template, filled in, reads back.
    filled = text.replace(f"{month()},,", f"{month()},95,", 1)
    assert len(csv_file.read(filled)) == 1


# ------------------------------------------------------------------ the criterion


def test_heads_enter_the_criterion_value_and_others_read_it(active, org, login_as):
    criterion = org.criterion
    url = f"/criteria/{criterion.id}/readings"
    head = login_as(org.head_b)
    page = head.get(url).get_data(as_text=True)
    assert f'value="{month()}"' in page and "company-wide value" in page
    response = head.post(url, {"period": month(), "value": "4,2", "note": "<b>inventaire</b>"})
    assert response.status_code == 302
    reading = db.session.scalar(select(CriterionReading))
    assert (reading.period, reading.value) == (month(), 4.2)
    member = login_as(org.member_a)
    page = member.get(url).get_data(as_text=True)
    assert 'name="value"' not in page
    assert "&lt;b&gt;inventaire&lt;/b&gt;" in page and "<b>inventaire</b>" not in page
    refused = member.post(url, {"period": month(), "value": "5"})
    assert refused.status_code == 403
    assert db.session.scalar(select(CriterionReading.value)) == 4.2


def test_a_bad_criterion_value_is_shown_again_with_its_reason(app, org, login_as):
    url = f"/criteria/{org.criterion.id}/readings"
    response = login_as(org.admin).post(url, {"period": "2027-W03", "value": "abc"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="abc"' in page and 'id="criterion-period-errors"' in page
    assert login_as(org.admin).get("/criteria/999999/readings").status_code == 404
