"""The formula-safe CSV cells (registry.tabular), as pure functions."""

from __future__ import annotations

import csv
import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from registry.tabular import FORMULA_STARTS, csv_row, csv_text, xlsx_cell, xlsx_row

CELLS = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(),
                  st.text(), st.text(alphabet="".join(FORMULA_STARTS) + "\n\x1f\x00a1 ").map(
                      lambda t: t[:6]))


def written(cells: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow(cells)
    return buffer.getvalue()


@given(st.lists(CELLS, max_size=16))
def test_a_row_checked_at_once_is_written_as_cell_by_cell(values):
    assert written(csv_row(values)) == written([csv_text(value) for value in values])


def test_a_risky_cell_anywhere_in_the_row_is_quoted():
    for start in FORMULA_STARTS:
        row = csv_row(["Contact S.r.l.", 3, None, f"{start}SUM(A1)"])
        assert row[-1] == f"'{start}SUM(A1)" and row[2] == "" and row[1] == "3"
    assert csv_row(["a", "b\x1f=1"]) == ["a", "b\x1f=1"]  # not at a cell's start: as it is


def sheet_xml(cells_of) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Registro")
    sheet.append(cells_of(sheet))
    out = io.BytesIO()
    workbook.save(out)
    return zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")


@settings(max_examples=60)
@given(st.lists(st.one_of(st.none(), st.integers(), st.text(), CELLS.filter(
    lambda v: isinstance(v, str))), max_size=12))
def test_an_xlsx_row_checked_at_once_is_written_as_cell_by_cell(values):
    assert sheet_xml(lambda sheet: xlsx_row(sheet, values)) == \
        sheet_xml(lambda sheet: [xlsx_cell(sheet, value) for value in values])


def test_a_risky_or_unwritable_text_takes_the_cell_path():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Registro")
    assert xlsx_row(sheet, ["a", 1, None]) == ["a", 1, None]
    for values in (["a", "=1+1"], ["a", "b\x00c"], ["-3"]):
        assert xlsx_row(sheet, values) != values
