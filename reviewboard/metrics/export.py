"""The metrics' tables, with their filters applied: CSV of one table, XLSX of every table (a sheet each),
written by the shared formula-safe writers of core/export.py; each export is an audit event naming its filters
and tables."""

from __future__ import annotations

from datetime import datetime

from flask import Response

from reviewboard.audit.services import record_event
from reviewboard.core import export as tabular
from reviewboard.core.downloads import attachment
from reviewboard.metrics.filters import MetricsFilter
from reviewboard.metrics.services import committee_metrics


class UnknownTable(LookupError):
    pass


def export_metrics(user, f: MetricsFilter, fmt: str, now: datetime, table_key: str = "") -> Response:
    """The download: CSV holds the table ``table_key`` (UnknownTable for any other key), XLSX every table.
    Records ``metrics.exported``."""
    metrics = committee_metrics(f, now)
    tables = metrics.tables if fmt == "xlsx" else [t for t in metrics.tables if t.key == table_key]
    if not tables:
        raise UnknownTable(table_key)
    record_event(user, "metrics.exported", "metrics", "committee",
                 after={"format": fmt, "filters": f.args(), "tables": [t.key for t in tables],
                        "rows": sum(len(t.rows) for t in tables)})
    period = f"{f.since:%Y%m%d}-{f.until:%Y%m%d}"
    sheets = [tabular.Table(f"committee-metrics-{t.key}-{period}", t.title, t.columns, t.rows) for t in tables]
    if fmt == "csv":
        return tabular.download(sheets[0], "csv")
    book = tabular.Table(f"committee-metrics-{period}", "", [], [])
    return attachment(tabular.xlsx_book(sheets), tabular.filename(book, "xlsx"), tabular.MIMETYPES["xlsx"])
