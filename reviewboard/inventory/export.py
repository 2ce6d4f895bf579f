"""The inventory, with its filters applied, as CSV or XLSX: cells a spreadsheet shows as text and never runs as
a formula; each export is an audit event naming its filters and row count."""

from __future__ import annotations

import csv
import io

from flask import current_app

from reviewboard.audit.browse import csv_cell
from reviewboard.audit.services import record_event
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db
from reviewboard.inventory.services import InventoryFilter, inventory_query, rows_for
from reviewboard.projects.tiering import TIER_LABELS

FORMATS = ("csv", "xlsx")
COLUMNS = ("System", "Project number", "Tier", "Pipeline", "Current stage", "Stage state", "Last decision",
           "Decided on", "Open conditions", "Overdue conditions", "Next review", "Registration duties",
           "Certificate", "Certificate status", "Updated")


def _table(user, f: InventoryFilter, today) -> list[list]:
    cap = int(current_app.config["INVENTORY_EXPORT_MAX_ROWS"])
    projects = list(db.session.scalars(inventory_query(user, f).limit(cap + 1)))
    if len(projects) > cap:
        raise ServiceError(f"More than {cap:,} systems match: narrow the filters and export again.")
    table = []
    for r in rows_for(projects, today):
        p, s, d, c = r.project, r.project.current_stage, r.last_decision, r.certificate
        table.append([p.name, p.id, TIER_LABELS[p.tier], f"{p.pipeline.name} v{p.pipeline.version}",
                      s.name if s else "", s.state.label if s else "", f"{d.name}: {d.state.label}" if d else "",
                      d.decided_at.date().isoformat() if d else "", r.open_conditions, r.overdue_conditions,
                      p.next_review_on.isoformat() if p.next_review_on else "", "; ".join(x.title for x in r.duties),
                      c.public_id if c else "", c.status if c else "", p.updated_at.strftime("%Y-%m-%d")])
    return table


def export_inventory(user, f: InventoryFilter, fmt: str, today) -> bytes:
    """The export's bytes; records the ``inventory.exported`` audit event. Raises ServiceError when more than
    INVENTORY_EXPORT_MAX_ROWS systems match."""
    table = _table(user, f, today)
    record_event(user, "inventory.exported", "inventory", "systems",
                 after={"format": fmt, "filters": f.args(), "rows": len(table)})
    return _csv(table) if fmt == "csv" else _xlsx(table)


def _csv(table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in table:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")  # the BOM: spreadsheets then read the names as UTF-8


def _xlsx(table) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    # strings stay strings: no formula, no link, no number guessed from text
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    sheet = book.add_worksheet("AI inventory")
    bold = book.add_format({"bold": True})
    for col, name in enumerate(COLUMNS):
        sheet.write_string(0, col, name, bold)
    for r, row in enumerate(table, start=1):
        for col, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(table), 1), len(COLUMNS) - 1)
    book.close()
    return out.getvalue()
