"""A PDF stored per document and language, replaced when what it is rendered from changes.

The review minutes (``ReviewMinutesPdf``) and the monthly report (``CompanyReportPdf``) each
keep one copy per document and language with its *content key* (the SHA-256 of what it is
rendered from). They share these two statements: read the copy, and write a new one unless
another worker changed it since.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import utcnow


class KeyedCopy:
    """Mixed into a model with ``content_key``, ``pdf``, ``pdf_sha256`` and ``rendered_at``,
    whose other unique columns name the document (``review_id`` and ``language``…)."""

    @classmethod
    def copy(cls, **document: Any):
        """The stored ``(content_key, pdf)`` of the document, or None."""
        return db.session.execute(
            select(cls.content_key, cls.pdf).filter_by(**document)
        ).one_or_none()

    @classmethod
    def store(cls, document: dict[str, Any], key: str, pdf: bytes, seen: str | None) -> None:
        """Store ``pdf`` under ``key`` unless another worker changed the copy since ``seen``
        (the key read before rendering; None: there was no copy).

        Flushes in the caller's transaction; a lost race leaves the other worker's copy.
        """
        values = {
            "content_key": key,
            "pdf": pdf,
            "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
            "rendered_at": utcnow(),
        }
        if seen is None:
            try:
                with db.session.begin_nested():
                    db.session.add(cls(**document, **values))
            except IntegrityError:
                pass  # stored by another worker meanwhile: theirs stays
            return
        db.session.execute(
            update(cls)
            .filter_by(**document, content_key=seen)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
