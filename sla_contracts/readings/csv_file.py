"""Readings as a CSV file (issue 13, point 1): read an uploaded file, write the template.

Columns, by their header (any order, case ignored, others ignored): ``commitment_id``,
``period``, ``value``, ``note`` (optional). Comma or semicolon separated (French Excel writes
semicolons and decimal commas: both are read), UTF-8 with or without BOM (Windows-1252 as a last
resort). Lines are numbered as a spreadsheet numbers them: the header is line 1. A line whose
value and note are both empty (a template row left blank) is skipped.

Reading only turns lines into the service's rows: the checks themselves are
``operations.check_readings`` / ``enter_readings``, so the file, the form and the API refuse the
same things with the same words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from .. import periods
from ..errors import ValidationError
from ..models import Commitment

COLUMNS = ("commitment_id", "period", "value", "note")
REQUIRED = ("commitment_id", "period", "value")
TEMPLATE_COLUMNS = ("commitment_id", "commitment", "period", "value", "note")


class CsvFileError(ValidationError):
    """The file as a whole cannot be read (not text, no header, a required column missing)."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(frozen=True)
class CsvLine:
    """One line of the file as read: its number (header = 1) and its cells, as typed."""

    line: int
    commitment_id: str
    period: str
    value: str
    note: str

    def as_row(self) -> dict[str, Any]:
        """The service's row; an id that is not a whole number stays text (refused by name)."""
        raw = self.commitment_id.strip()
        return {
            "commitment_id": int(raw) if raw.isdigit() else raw,
            "period": self.period,
            "value": self.value,
            "note": self.note,
        }


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else Windows-1252 (older Excel)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise CsvFileError(_("The file is not text: save it as CSV (UTF-8).")) from None


def _separator(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


def read(text: str) -> list[CsvLine]:
    """The file's lines with a value or a note, in order (CsvFileError when unreadable)."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise CsvFileError(_("The file is empty: its first line names the columns."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first))
    try:
        header = [cell.strip().lower().lstrip("\ufeff") for cell in next(reader)]
    except (StopIteration, csv.Error):
        raise CsvFileError(_("The file is empty: its first line names the columns.")) from None
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CsvFileError(
            _(
                "The first line must name the columns %(columns)s; missing: %(missing)s.",
                columns=", ".join(COLUMNS),
                missing=", ".join(missing),
            )
        )
    where = {name: header.index(name) for name in COLUMNS if name in header}
    lines: list[CsvLine] = []
    number = reader.line_num
    try:
        for cells in reader:
            start, number = number + 1, reader.line_num

            def cell(name: str, cells: list[str] = cells) -> str:
                index = where.get(name)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            value, note = cell("value"), cell("note")
            if not value and not note:
                continue
            lines.append(CsvLine(start, cell("commitment_id"), cell("period"), value, note))
    except csv.Error as error:
        raise CsvFileError(
            _("Line %(line)s cannot be read: %(reason)s.", line=number + 1, reason=str(error))
        ) from None
    return lines


def template(commitments: Iterable[Commitment], today: date, *, semicolon: bool) -> str:
    """A file to fill in: one line per measured commitment, its current period, no value."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";" if semicolon else ",", lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for commitment in commitments:
        if not commitment.is_measured:
            continue
        period = periods.of(periods.kind_of(commitment.measurement_frequency), today)
        writer.writerow([commitment.id, commitment.title, period.key, "", ""])
    return "\ufeff" + out.getvalue()
