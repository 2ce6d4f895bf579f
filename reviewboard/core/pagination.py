"""Pagination of select() statements for list screens.

A page costs the same however large the table: the count stops a few pages past the one shown ("page 3 of
more than 12"), so no list counts a whole table, and the offset is bounded by the page number (the order's
index is read up to it). Previous / next are plain links (no JavaScript needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import func, select

from reviewboard.extensions import db

COUNT_AHEAD = 10  # pages counted past the one shown
MAX_PAGE = 5000  # a deeper page is a search away


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int  # rows counted, at most (page + COUNT_AHEAD) * per_page
    more: bool = False  # True when there are more rows than ``total``

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more or self.page < self.pages


def paginate(stmt, page: int, per_page: int, *, scalars: bool = True, count_in_order: bool = False) -> Page:
    """``count_in_order``: the bounded count keeps the list's order, for a list read in the order of an index
    whose other filters are checked row by row (the queue): the count then stops after the rows it needs, where
    without the order PostgreSQL collects every candidate row first (the queue's count grew with the stages in
    review)."""
    page, total, more = bounded_count(stmt if count_in_order else stmt.order_by(None), page, per_page)
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars()) if scalars else list(result)
    return Page(items, page, per_page, total, more)


def bounded_count(stmt, page: int, per_page: int) -> tuple[int, int, bool]:
    """(the page number kept within the rows, rows counted, more rows than counted) for a list, counting at most
    COUNT_AHEAD pages past ``page``."""
    cap = (page + COUNT_AHEAD) * per_page
    counted = db.session.scalar(select(func.count()).select_from(stmt.limit(cap + 1).subquery())) or 0
    total = min(counted, cap)
    return max(1, min(page, max(1, ceil(total / per_page)))), total, counted > cap


def page_arg(request) -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_PAGE else 1
