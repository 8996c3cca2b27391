"""Cells of the CSV files people open in a spreadsheet (the print shop's manifests): a cell that
begins like a formula is neutralised, as the OWASP rule on CSV injection says, so a name such as
``=HYPERLINK("http://x","y")`` is shown as text instead of being run.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
single quote. The full-width ``＝ ＋ － ＠`` are treated alike: a Japanese spreadsheet may take
them for their ASCII forms. Numbers are left as they are (they are written by us, never typed by
an applicant). Quoting and doubled quotes inside a cell are the ``csv`` module's part.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(cell: object) -> object:
    """``cell`` safe to open in a spreadsheet: a text cell that would start a formula gets ``'``."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def neutralise_row(row: Iterable[object]) -> tuple[object, ...]:
    return tuple(neutralise(cell) for cell in row)
