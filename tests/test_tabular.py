"""The formula-safe CSV cells (registry.tabular), as pure functions."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from registry.tabular import FORMULA_STARTS, csv_row, csv_text

CELLS = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(),
                  st.text(), st.text(alphabet="".join(FORMULA_STARTS) + "\x1fa1 ").map(
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
