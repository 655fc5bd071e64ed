"""The stored PDF of the monthly report for leadership: one copy per month and language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .keyed_copy import KeyedCopy


class CompanyReportPdf(KeyedCopy, db.Model):
    """The report of ``month`` ("2027-01") in ``language``, rendered from values hashing to
    ``content_key``; replaced when what the report shows changes (a late reading, a renamed
    department, a new layout)."""

    __tablename__ = "company_report_pdfs"
    __table_args__ = (UniqueConstraint("month", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    language: Mapped[str] = mapped_column(String(8))
    content_key: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
