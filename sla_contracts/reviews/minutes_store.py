"""The minutes PDF of a closed review, stored once per language and content.

The minutes are rendered in the reader's language, so a closed review has up to one stored
copy per language (``ReviewMinutesPdf``). Each copy carries its *content key*: the SHA-256 of
everything the PDF is rendered from (the plain values, the chart's SVG, the language, the
``pdf/`` templates, the compiled translations and the WeasyPrint version). A download computes
the key from the database (a few reads, no render); when it matches the stored copy, the
stored bytes are the answer. When it differs (a department renamed, an action marked done
since, a new layout), the minutes are rendered again and the stored copy replaced.

Closing a review renders the minutes for the e-mails it sends: :func:`keep_rendered_minutes`
stores that render in the closing transaction, so the first download renders nothing.

As for signed charters (``signing/pdf_store``): a per-process lock per review and language
keeps one render per worker, the process-wide ``RENDER_SLOT`` one render at a time, and the
conditional write (``INSERT`` that loses to a concurrent one, ``UPDATE … WHERE content_key =
the key seen``) one stored copy across workers. No render happens inside a transaction.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from ..errors import ReviewStateError
from ..extensions import db
from ..models import Review, ReviewMinutesPdf
from ..pdf.stored import layout_key, stored_or_rendered
from ..transaction import atomic
from .minutes import minutes_document, render_minutes

LANGUAGES = ("fr", "en")


def minutes_language(locale: object) -> str:
    """The language the minutes are written in for a reader's ``locale`` (French by default)."""
    text = str(locale or "")
    return text if text in LANGUAGES else "fr"


# ---------------------------------------------------------------- the content key


def content_key(values: dict[str, Any], chart: Markup, language: str) -> str:
    """The SHA-256 of what the minutes are rendered from (values, chart, language, layout)."""
    payload = json.dumps(
        {"layout": layout_key(language), "language": language, "values": values, "chart": chart},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# ---------------------------------------------------------------- stored once


def stored_minutes_pdf(review: Review, locale: object = "fr") -> bytes:
    """The minutes of a closed review in the reader's language: stored, or rendered and stored.

    Ends the caller's transaction (commits it) before a render: call it at the edge of a
    request, after the caller's own work. Two callers at once get the same content.
    """
    if not review.is_closed:
        raise ReviewStateError(_("Only a closed review has minutes."))
    language = minutes_language(locale)
    review_id = review.id
    values, chart = minutes_document(review, language)
    key = content_key(values, chart, language)
    document = {"review_id": review_id, "language": language}

    def store(pdf: bytes, seen: str | None) -> None:
        with atomic():
            ReviewMinutesPdf.store(document, key, pdf, seen)

    return stored_or_rendered(
        ("minutes", review_id, language),
        key,
        read=lambda: ReviewMinutesPdf.copy(**document),
        render=lambda: render_minutes(values, chart, language),
        store=store,
        end_transaction=db.session.commit,
    )


def keep_rendered_minutes(review: Review, locale: object = "fr") -> bytes:
    """Render the minutes of a review being closed and store them in the caller's transaction.

    For the e-mails sent when a review closes: the render they attach is the stored copy, so
    the first download renders nothing. Flushes, never commits.
    """
    language = minutes_language(locale)
    values, chart = minutes_document(review, language)
    key = content_key(values, chart, language)
    document = {"review_id": review.id, "language": language}
    row = ReviewMinutesPdf.copy(**document)
    if row is not None and row.content_key == key:
        return row.pdf
    rendered = render_minutes(values, chart, language)
    ReviewMinutesPdf.store(document, key, rendered, row.content_key if row else None)
    return rendered
