"""Tabular downloads (CSV and XLSX) shared by every list that can be exported: the inventory, the queue, the
conditions, the decisions and the audit trail.

Cells are written so that a spreadsheet never runs them as a formula (CSV injection, OWASP): in CSV a cell
starting with a formula character gets a leading apostrophe; in XLSX every string is written as a string
(no formula, link or number guessed from text). A CSV export streams: its rows are read from the database in
batches while the response is sent, so a long export never sits whole in memory. An XLSX file is a zip that
is written at its end, so it is built before it is sent (each caller bounds its rows).

The caller counts its rows (``count_capped``), records its audit event, then hands a ``Table`` whose rows are
a generator to ``download``: the event commits with the request, before the first byte of the file is sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Response, abort, flash, redirect, stream_with_context
from sqlalchemy import func, select

from reviewboard.core.downloads import attachment
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db, write_intent
from reviewboard.models.base import utcnow

FORMATS = ("csv", "xlsx")
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# a spreadsheet runs a cell starting with one of these as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500  # rows read from the database at a time
FLUSH_BYTES = 64 * 1024  # CSV bytes gathered before a chunk is sent


@dataclass
class Table:
    """What an export holds: ``name`` is the file's stem (a timestamp and the format's extension are added)
    and the sheet's title; ``preamble`` lines come before the column names (the audit trail's chain head, which
it also sends in ``headers``)."""

    name: str
    sheet: str
    columns: Sequence[str]
    rows: Iterable[Sequence]
    preamble: Sequence[Sequence] = field(default_factory=tuple)
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one starting with a formula character gets a leading apostrophe."""
    text = "" if value is None else _text(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def count_capped(stmt, cap: int, too_many: str) -> int:
    """How many rows ``stmt`` returns, counting at most ``cap + 1``. Raises ServiceError(``too_many``) past cap."""
    window = stmt.order_by(None).limit(cap + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(window)) or 0
    if count > cap:
        raise ServiceError(too_many)
    return count


def batched(stmt, *, scalars: bool = True, size: int = BATCH) -> Iterator[list]:
    """The statement's rows, ``size`` at a time (a server-side cursor on PostgreSQL), for a streamed export."""
    write_intent.set(False)  # read after the request's commit: SQLite need not take its write lock
    result = db.session.execute(stmt.execution_options(yield_per=size))
    if scalars:
        result = result.scalars()
    yield from result.partitions()


def rows_from(stmt, to_rows: Callable[[list], Iterable[Sequence]], *, scalars: bool = True) -> Iterator[Sequence]:
    """Export rows from a statement: each batch of results is turned into rows by ``to_rows`` (which may read
    the batch's facts in a few statements, as a list page does for its page)."""
    for batch in batched(stmt, scalars=scalars):
        yield from to_rows(batch)


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV (with a BOM: spreadsheets then read names as UTF-8), in chunks of ~64 KiB."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    for line in table.preamble:
        writer.writerow([safe_cell(v) for v in line])
    if table.preamble:
        writer.writerow([])
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([safe_cell(v) for v in row])
        if out.tell() >= FLUSH_BYTES:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def xlsx_bytes(table: Table) -> bytes:
    return xlsx_book([table])


def xlsx_book(tables: Sequence[Table]) -> bytes:
    """The tables as one workbook, a worksheet each (titled by ``sheet``, which must differ in 31 characters)."""
    import xlsxwriter

    out = io.BytesIO()
    # strings stay strings: no formula, no link, no number guessed from text
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    for table in tables:
        _sheet(book.add_worksheet(table.sheet[:31]), table, bold)
    book.close()
    return out.getvalue()


def _sheet(sheet, table: Table, bold) -> None:
    r = 0
    for line in table.preamble:
        for col, value in enumerate(line):
            _write(sheet, r, col, value)
        r += 1
    if table.preamble:
        r += 1
    header = r
    for col, name in enumerate(table.columns):
        sheet.write_string(header, col, name, bold)
    for row in table.rows:
        r += 1
        for col, value in enumerate(row):
            _write(sheet, r, col, value)
    sheet.freeze_panes(header + 1, 0)
    sheet.autofilter(header, 0, max(r, header + 1), len(table.columns) - 1)


def _write(sheet, r: int, col: int, value) -> None:
    if isinstance(value, bool) or value is None:
        sheet.write_string(r, col, "" if value is None else str(value).lower())
    elif isinstance(value, int | float):
        sheet.write_number(r, col, value)
    else:
        sheet.write_string(r, col, _text(value))


def export_response(fmt: str, build: Callable[[], Table], back: str) -> Response:
    """An export view's answer: 404 for an unknown format; ``build()`` makes the table (and its audit event);
    an export it refuses (too many rows) flashes the reason and goes back to the list (``back``)."""
    if fmt not in FORMATS:
        abort(404)
    try:
        table = build()
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(back)
    return download(table, fmt)


def filename(table: Table, fmt: str) -> str:
    return f"{table.name}-{utcnow():%Y%m%d-%H%M%S}.{fmt}"


def download(table: Table, fmt: str) -> Response:
    """The export as an attachment: CSV streamed, XLSX built first."""
    body = xlsx_bytes(table) if fmt == "xlsx" else stream_with_context(csv_chunks(table))
    response = attachment(body, filename(table, fmt), MIMETYPES[fmt])
    response.headers.update(table.headers)
    return response
