"""The monthly report's PDF, stored once per month and language, keyed by its content.

As the minutes of a review (``reviews/minutes_store``): each stored copy carries the SHA-256
of what it is rendered from (the report's plain values, the language and the ``pdf/``
layout, ``pdf.stored.layout_key``). A download computes the values (a few reads, no render)
and sends the stored bytes while the key matches; when the month's figures change (a late
reading, a renamed department) or the layout does, it renders once more and replaces the copy
(``UPDATE … WHERE content_key = the key seen``; a first copy is an ``INSERT`` that loses
quietly to a concurrent one). One render per month and language at a time in a process
(``pdf.stored.render_lock``), one PDF at a time in all (``pdf.RENDER_SLOT``); never inside a
transaction.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from .. import formats
from ..extensions import db
from ..labels import cause_label
from ..models import CompanyReportPdf
from ..pdf import render_pdf
from ..pdf.stored import layout_key, stored_or_rendered
from ..transaction import atomic
from .report import month_key, report_values

TEMPLATE = "pdf/report.html"
LANGUAGES = ("fr", "en")


def report_language(locale: object) -> str:
    """The language of the report for a reader's ``locale`` (French by default)."""
    text = str(locale or "")
    return text if text in LANGUAGES else "fr"


def day_of(text: str | None, width: str = "medium") -> str:
    """An ISO date or moment of the report's values as the reader reads it."""
    if not text:
        return ""
    value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    return formats.day(value, width)


def share_met_help() -> str:
    """How the report counts the share of commitments met (shown under the criteria)."""
    return _(
        "Commitments met: on each measured commitment's latest reading of a period begun by the "
        "end of the month, partly met counting as half; commitments without a reading are "
        "left out."
    )


def content_key(values: dict[str, Any], language: str) -> str:
    """The SHA-256 of what the report's PDF is rendered from (values, language, layout)."""
    payload = json.dumps(
        {"layout": layout_key(language), "language": language, "values": values},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def render_report(values: dict[str, Any], language: str) -> bytes:
    """Render the report from :func:`report_values`' values (no database access)."""
    with force_locale(language):
        return render_pdf(
            TEMPLATE,
            locale=language,
            report=values,
            month_name=formats.period(values["month"]),
            day_of=day_of,
            share_met_help=share_met_help(),
            links=False,
            criterion_link=None,
            cause_label=cause_label,
        )


def stored_report_pdf(first: date, locale: object = "fr") -> bytes:
    """The report of the month beginning ``first`` in the reader's language: the stored copy
    while its key matches, else rendered and stored.

    Ends the caller's transaction (commits it) before a render: call it at the edge of a
    request or a job.
    """
    language = report_language(locale)
    month = month_key(first)
    values = report_values(first)
    key = content_key(values, language)
    document = {"month": month, "language": language}

    def store(pdf: bytes, seen: str | None) -> None:
        with atomic():
            CompanyReportPdf.store(document, key, pdf, seen)

    return stored_or_rendered(
        ("report", month, language),
        key,
        read=lambda: CompanyReportPdf.copy(**document),
        render=lambda: render_report(values, language),
        store=store,
        end_transaction=db.session.commit,
    )


def pdf_filename(first: date, locale: object = "fr") -> str:
    """``rapport-2027-03.pdf`` / ``report-2027-03.pdf``."""
    with force_locale(report_language(locale)):
        return formats.file_name(_("report"), month_key(first))
