"""Pagination of select() statements for list screens."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import func, select

from reviewboard.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt, page: int, per_page: int, *, scalars: bool = True) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, min(page, max(1, ceil(total / per_page))))
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars()) if scalars else list(result)
    return Page(items, page, per_page, total)


def page_arg(request) -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 100000 else 1
