"""The monthly report's underlying tables as CSV files in one zip archive.

One file per table (charters, reviews, criteria, satisfaction gaps, irritants), every row of
the month (``report_values(full=True)``), UTF-8 with a BOM so spreadsheets read accents.
Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) are prefixed with an apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date

from .report import report_values

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """A value safe to open in a spreadsheet (text that looks like a formula is quoted)."""
    if isinstance(value, list):
        value = " | ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _csv(columns: tuple[str, ...], rows: Iterable[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def tables(values: dict) -> dict[str, bytes]:
    """Each table of the report as a CSV file, by file name."""
    month = values["month"]
    criteria = [
        {
            **c,
            "latest_value": c["latest"]["value"] if c["latest"] else None,
            "trend": [f"{p['period']}={p['value']}" for p in c["trend"]],
        }
        for c in values["criteria"]
    ]
    files = {
        "charters": (
            ("event", "charter_id", "title", "pair", "at"),
            values["charters"]["events"],
        ),
        "reviews": (
            ("state", "review_id", "charter_id", "title", "pair", "due_on", "closed_at"),
            values["reviews"]["rows"],
        ),
        "criteria": (
            (
                "id",
                "name",
                "unit",
                "target",
                "direction",
                "charters",
                "commitments_met",
                "commitments_partly_met",
                "commitments_missed",
                "commitments_without_data",
                "share_met",
                "latest_value",
                "trend",
            ),
            criteria,
        ),
        "satisfaction_gaps": (
            (
                "charter_id",
                "review_id",
                "title",
                "pair",
                "first_rates_second",
                "second_rates_first",
                "gap",
                "closed_at",
            ),
            values["satisfaction_gaps"],
        ),
        "irritants": (("text", "count", "sources", "charters", "last_at"), values["irritants"]),
    }
    misses = values["misses_by_cause"]
    files["misses_by_cause"] = (tuple(misses), [misses])
    return {
        f"report-{month}-{name}.csv": _csv(columns, rows) for name, (columns, rows) in files.items()
    }


def report_zip(first: date) -> bytes:
    """Every table of the month's report, one CSV each, in one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in tables(report_values(first, full=True)).items():
            archive.writestr(name, data)
    return buffer.getvalue()
