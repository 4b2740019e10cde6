"""Excel workbooks for the console: Chinese headers, typed cells, a frozen header row and a
second sheet that says which filter produced the rows.

Cells keep their types: a date is an Excel date, a time a Beijing date-time (Excel has no
time zones), a count or an amount a number. Rows are written in openpyxl's write-only mode,
so 10^5 rows stream through without holding the whole sheet's cell objects.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from core.stats import CellKind
from core.workdays import BEIJING, in_beijing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: dict[str, str] = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm",
                           "money": "#,##0.00", "number": "0.0", "percent": "0.0%",
                           "int": "0"}
WIDTHS: dict[str, int] = {"date": 12, "datetime": 17, "int": 10, "number": 12, "money": 14,
                          "percent": 10}
BOLD = Font(bold=True)


def cell_value(value: Any, kind: CellKind) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        local = in_beijing(value).replace(tzinfo=None)
        return local.date() if kind == "date" else local
    if isinstance(value, date):
        return value
    if kind in ("int", "number", "money", "percent"):
        if isinstance(value, Decimal):
            return float(value) if kind != "int" else int(value)
        if isinstance(value, int | float):
            return value
    if isinstance(value, list | dict):
        return str(value)
    return value if isinstance(value, int | float | bool) else str(value)


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31]


def _write(sheet: Worksheet, header: Sequence[tuple[str, CellKind]],
           rows: Iterable[Sequence[Any]]) -> None:
    heads = []
    for title, _ in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = BOLD
        heads.append(cell)
    sheet.append(heads)
    for row in rows:
        cells = []
        for value, (_, kind) in zip(row, header, strict=True):
            cell = WriteOnlyCell(sheet, value=cell_value(value, kind))
            if kind in FORMATS:
                cell.number_format = FORMATS[kind]
            cells.append(cell)
        sheet.append(cells)


def _prepare(sheet: Worksheet, header: Sequence[tuple[str, CellKind]]) -> None:
    """Before the first row (write-only sheets take these only then): the frozen header and
    widths that fit Chinese titles."""
    sheet.freeze_panes = "A2"
    from openpyxl.utils import get_column_letter

    for index, (title, kind) in enumerate(header, start=1):
        width = max(WIDTHS.get(kind, 18), len(title) * 2 + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width


def _filter_sheet(book: Workbook, title: str, described: Sequence[tuple[str, str]]) -> None:
    sheet = book.create_sheet("筛选条件")
    sheet.append([WriteOnlyCell(sheet, value="项目"), WriteOnlyCell(sheet, value="内容")])
    sheet.append(["表", title])
    sheet.append(["导出时间（北京时间）", datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M")])
    for name, value in described:
        sheet.append([name, value])


def table_workbook(title: str, header: Sequence[tuple[str, CellKind]],
                   rows: Iterable[Sequence[Any]], described: Sequence[tuple[str, str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(title))
    _prepare(sheet, header)
    _write(sheet, header, rows)
    _filter_sheet(book, title, described)
    return _bytes(book)


def sheets_workbook(tables: Sequence[tuple[str, Sequence[tuple[str, CellKind]],
                                           Sequence[Sequence[Any]]]],
                    described: Sequence[tuple[str, str]], title: str) -> bytes:
    """One sheet per table (the statistics page), then the filter."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    for name, header, rows in tables:
        sheet_name = _sheet_title(name)
        while sheet_name in used:  # Excel refuses two sheets of one name
            sheet_name = sheet_name[:29] + f"{len(used)}"
        used.add(sheet_name)
        sheet = book.create_sheet(sheet_name)
        _prepare(sheet, header)
        _write(sheet, header, rows)
    _filter_sheet(book, title, described)
    return _bytes(book)


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(content: bytes, filename: str) -> Response:
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
