import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tular.core.exports import safe_cell, table_response, xlsx_bytes

HEADER = ["name", "amount", "note"]
ROWS = [
    ["Budi", 7500000, '=HYPERLINK("http://x")'],
    ["+62 812", Decimal("12.5"), "@SUM(A1)"],
    ["-1", None, "\tTab"],
    ["Sari", 0, date(2026, 11, 1)],
]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (-5, -5),
        (None, ""),
        (True, "true"),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_csv_is_formula_safe_and_starts_with_a_bom():
    response = table_response(fmt="csv", filename="t", header=HEADER, rows=ROWS)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == HEADER
    assert rows[1] == ["Budi", "7500000", '\'=HYPERLINK("http://x")']
    assert rows[2] == ["'+62 812", "12.5", "'@SUM(A1)"]
    assert rows[3] == ["'-1", "", "'\tTab"]
    assert rows[4] == ["Sari", "0", "2026-11-01"]


def test_xlsx_keeps_text_as_text_and_numbers_as_numbers():
    book = load_workbook(io.BytesIO(xlsx_bytes(HEADER, ROWS, sheet="Biaya")))
    sheet = book["Biaya"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    assert values[1][0] == "Budi" and values[1][1] == 7500000
    formula = sheet.cell(row=2, column=3)
    assert formula.value == '=HYPERLINK("http://x")' and formula.data_type == "s"
    assert sheet.cell(row=3, column=3).data_type == "s"
    assert values[2][1] == 12.5
    assert values[3][1] is None


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        table_response(fmt="pdf", filename="t", header=HEADER, rows=ROWS)
