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
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ReviewStateError
from ..extensions import db
from ..models import Review, ReviewMinutesPdf
from ..pdf import RENDER_SLOT
from ..pdf.stored import layout_key, render_lock
from ..timeutil import utcnow
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


def _stored(review_id: int, language: str):
    return db.session.execute(
        select(ReviewMinutesPdf.content_key, ReviewMinutesPdf.pdf).where(
            ReviewMinutesPdf.review_id == review_id, ReviewMinutesPdf.language == language
        )
    ).one_or_none()


def _write(review_id: int, language: str, key: str, pdf: bytes, seen: str | None) -> None:
    """Store ``pdf`` under ``key`` unless another worker changed the copy since ``seen``.

    Flushes in the caller's transaction; a lost race leaves the other worker's copy.
    """
    digest = hashlib.sha256(pdf).hexdigest()
    if seen is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ReviewMinutesPdf(
                        review_id=review_id,
                        language=language,
                        content_key=key,
                        pdf=pdf,
                        pdf_sha256=digest,
                        rendered_at=utcnow(),
                    )
                )
        except IntegrityError:
            pass  # stored by another worker meanwhile: theirs stays
        return
    db.session.execute(
        update(ReviewMinutesPdf)
        .where(
            ReviewMinutesPdf.review_id == review_id,
            ReviewMinutesPdf.language == language,
            ReviewMinutesPdf.content_key == seen,
        )
        .values(content_key=key, pdf=pdf, pdf_sha256=digest, rendered_at=utcnow())
        .execution_options(synchronize_session=False)
    )


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
    row = _stored(review_id, language)
    if row is not None and row.content_key == key:
        return row.pdf
    db.session.commit()  # hold no transaction while waiting for another render
    with render_lock(("minutes", review_id, language)):
        row = _stored(review_id, language)
        if row is not None and row.content_key == key:
            return row.pdf  # another thread of this worker stored it meanwhile
        db.session.commit()
        with RENDER_SLOT:
            rendered = render_minutes(values, chart, language)
        with atomic():
            _write(review_id, language, key, rendered, row.content_key if row else None)
    return rendered


def keep_rendered_minutes(review: Review, locale: object = "fr") -> bytes:
    """Render the minutes of a review being closed and store them in the caller's transaction.

    For the e-mails sent when a review closes: the render they attach is the stored copy, so
    the first download renders nothing. Flushes, never commits.
    """
    language = minutes_language(locale)
    values, chart = minutes_document(review, language)
    key = content_key(values, chart, language)
    row = _stored(review.id, language)
    if row is not None and row.content_key == key:
        return row.pdf
    rendered = render_minutes(values, chart, language)
    _write(review.id, language, key, rendered, row.content_key if row else None)
    return rendered
