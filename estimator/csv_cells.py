"""CSV cells a spreadsheet will not run: the one helper for every CSV the app writes.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and some, one that starts with a tab
or carriage return) as a formula: a model id `=HYPERLINK("https://evil.example", "click")` in an export
would become a live link, or worse. Such text is written with a leading apostrophe, as spreadsheets
themselves do to show text verbatim, and `from_spreadsheet_cell` removes it again when the app reads
its own CSV back. Plain numbers (`-0.5`, `+3`, `1e-9`) are left as they are: they are not formulas, and
a spreadsheet must still read them as numbers.

    writer = SpreadsheetSafeWriter(csv.writer(out))     # every cell of every row
    writer.writerow(["model", model_id])
    row = {name: spreadsheet_cell(value) for name, value in record.items()}   # a DictWriter's row
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_cell(value: object) -> str:
    """`value` as CSV cell text; None is empty; formula-leading text gets a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def spreadsheet_row(values: Iterable[object]) -> list[str]:
    return [spreadsheet_cell(value) for value in values]


class RowWriter(Protocol):
    def writerow(self, row: Iterable[object], /) -> Any: ...


class SpreadsheetSafeWriter:
    """Wraps a csv.writer: every cell of every row goes through spreadsheet_cell."""

    def __init__(self, writer: RowWriter) -> None:
        self.writer = writer

    def writerow(self, values: Iterable[object]) -> None:
        self.writer.writerow(spreadsheet_row(values))


def from_spreadsheet_cell(text: str) -> str:
    """The text `spreadsheet_cell` was given, from the cell it wrote."""
    if text.startswith("'") and spreadsheet_cell(text[1:]) == text:
        return text[1:]
    return text
