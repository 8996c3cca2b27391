"""CSV injection: cells that a spreadsheet would run as a formula are neutralised (OWASP)."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from ccus.infra.postcard_pdf import postcard_manifest_csv
from ccus.models.spreadsheet_cells import neutralise, neutralise_row
from tests.unit.test_postcard_pdf import CARDS

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("cell", [HYPERLINK, "+1+2", "-2+3", "@SUM(A1)", "\tx", "\r=1", "＝1+1", "＋1", "－1", "＠A1"])
def test_a_cell_that_starts_a_formula_gets_a_leading_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["株式会社山田建設", "東京都千代田区霞が関1-3-2", "100-0013", "a=b", "", "'=1"])
def test_ordinary_text_is_left_as_it_is(cell: str) -> None:
    assert neutralise(cell) == cell


def test_numbers_are_left_as_numbers() -> None:
    assert neutralise_row((-1, 2, None, "-x")) == (-1, 2, None, "'-x")


def test_a_hyperlink_formula_as_a_name_reaches_the_postcard_manifest_neutralised() -> None:
    hostile = dataclasses.replace(CARDS[0], recipient_name=HYPERLINK, address="@東京都千代田区")
    text = postcard_manifest_csv("PB-20250410-02", [hostile, CARDS[1]]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][6] == "'" + HYPERLINK and rows[1][5] == "'@東京都千代田区"
    assert rows[2][6] == CARDS[1].recipient_name  # the others as they are
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
