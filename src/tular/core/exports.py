"""Tables as downloads: CSV and XLSX, safe to open in a spreadsheet.

A text cell that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return: OWASP's
"CSV injection") would run as one when a manager opens the file. In CSV such a cell gets a
leading quote (the convention spreadsheets read as "text"); in XLSX the cell is stored with the
string type, so it keeps its exact text and is never a formula. Numbers stay numbers.

    table_response(fmt="xlsx", filename="costs-2026-11", header=[...], rows=[[...], ...])
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limit of rows on one sheet (header included).
XLSX_MAX_ROWS = 1_048_576


def safe_cell(value):
    """The value as a CSV cell: numbers as they are, text with a leading quote when a
    spreadsheet would read it as a formula, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterable[str]:
    """The table as CSV lines, a UTF-8 byte-order mark first (Excel then reads UTF-8)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence], *, sheet: str = "Tular") -> bytes:
    """The table as one XLSX sheet (openpyxl's write-only mode: rows are not kept in memory).
    Text cells are typed as strings, so "=1+1" stays text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    page = book.create_sheet(title=sheet[:31] or "Tular")

    def cell(value):
        if value is None:
            return None
        if isinstance(value, bool | int | float | Decimal):
            return value
        if isinstance(value, datetime):
            return value.replace(tzinfo=None) if value.tzinfo is None else value.isoformat()
        if isinstance(value, date):
            return value
        text = WriteOnlyCell(page, value=str(value))
        text.data_type = "s"
        return text

    page.append([cell(name) for name in header])
    for count, row in enumerate(rows, start=2):
        if count > XLSX_MAX_ROWS:
            break
        page.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_response(
    *, fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence], sheet: str = ""
):
    """A download of the table: `fmt` "csv" (streamed) or "xlsx"; `filename` without its
    extension. Any other format is a ValueError (the caller checks `fmt in FORMATS`)."""
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(header, rows, sheet=sheet or filename), content_type=XLSX_TYPE
        )
    else:
        raise ValueError(f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
