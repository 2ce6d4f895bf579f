"""Pagination of select() statements for list screens.

A page costs the same however large the table: the count stops a few pages past the one shown ("page 3 of
more than 12"), so no list counts a whole table, and the offset is bounded by the page number (the order's
index is read up to it). Previous / next are plain links (no JavaScript needed).

The busiest lists (projects, the queue) page by keyset (:func:`paginate_keyset`): their previous / next links
carry the sort key of the row they continue from (``after`` / ``before``), so any page, however deep, reads
its rows from the order's index from that key on instead of skipping the rows before it. The page number
travels with the link for the "page 3 of 12" label; a page number typed alone still works (a bounded offset).

A list planned once per connection (the queue: core/plans.py) has its limits and offsets written into its
statements, so that its plan is made for the rows it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from math import ceil

from sqlalchemy import bindparam, func, select, tuple_, union_all

from reviewboard.core.plans import bound_for
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
    # the query arguments of the previous / next links (a keyset page: the key to continue from)
    prev_args: dict = field(default_factory=dict)
    next_args: dict = field(default_factory=dict)
    keyset_prev: bool | None = None  # a keyset page knows whether rows precede / follow it without a count
    keyset_next: bool | None = None

    def __post_init__(self) -> None:
        self.prev_args = self.prev_args or {"page": self.page - 1}
        self.next_args = self.next_args or {"page": self.page + 1}

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.keyset_prev if self.keyset_prev is not None else self.page > 1

    @property
    def has_next(self) -> bool:
        return self.keyset_next if self.keyset_next is not None else self.more or self.page < self.pages


def paginate(stmt, page: int, per_page: int, *, scalars: bool = True, count_in_order: bool = False,
             params: Mapping | None = None, ids_first=None, count_parts: list | None = None) -> Page:
    """``count_in_order``: the bounded count keeps the list's order, for a list read in the order of an index
    whose other filters are checked row by row (the queue): the count then stops after the rows it needs, where
    without the order PostgreSQL collects every candidate row first (the queue's count grew with the stages in
    review). ``params``: the values of ``stmt``'s bound parameters, if it has some of its own. ``ids_first``: the
    unique column that ends the list's order, when an index holds the order's columns (and it): a page past the
    first reads the ids of its rows from that index alone, skipping the earlier rows' ids there, and then only its
    own rows (see :func:`_page_of`). ``count_parts``: statements whose rows, together, are the list's, no row in two
    of them: the bounded count reads them one after the other and stops when it has counted enough (the projects
    search: the projects whose name has the words, found one at a time by an index, then the others).

    The count travels with the page's rows, one statement for both (see :func:`_with_count`); only a page past
    the last one (a typed page number) costs a second count and a third read, of the last page."""
    cap = (page + COUNT_AHEAD) * per_page
    counted = _counted(stmt, count_in_order, count_parts, cap)
    rows = _with_count(_page_of(stmt, page, per_page, ids_first), counted, cap, params)
    if not rows and page > 1:
        page, total, more = bounded_count(counted, page, per_page, params)
        rows = _with_count(_page_of(stmt, page, per_page, ids_first), counted, cap, params)
    else:
        total = min(_count_of(rows), cap)
        more = _count_of(rows) > cap
    return Page(_items(rows, scalars), page, per_page, total, more)


def count_statement(stmt, page: int, per_page: int, *, count_in_order: bool = False,
                    count_parts: list | None = None):
    """The bounded count that :func:`paginate` reads with page ``page`` of ``stmt``, as a statement of its own (one
    number): for a bench or a test that times it or reads its plan."""
    cap = (page + COUNT_AHEAD) * per_page
    return select(_count(_counted(stmt, count_in_order, count_parts, cap), cap))


def _page_of(stmt, page: int, per_page: int, ids_first=None):
    """The rows of page ``page``: skipped with OFFSET, which reads every earlier row whole (the table's, wherever
    they lie) to skip it; with ``ids_first``, the rows whose ids are those of the page, skipped in the order's
    index (PostgreSQL reads the ids from the index alone), then put in the list's order again (the ids are unique,
    so the order is the same)."""
    offset = (page - 1) * per_page
    if ids_first is None or not offset:
        return stmt.limit(bound_for(stmt, per_page)).offset(bound_for(stmt, offset))
    ids = stmt.with_only_columns(ids_first).limit(bound_for(stmt, per_page)).offset(bound_for(stmt, offset))
    return stmt.where(ids_first.in_(ids)).limit(bound_for(stmt, per_page))


def _counted(stmt, count_in_order: bool, count_parts: list | None, cap: int, *conditions):
    """What the bounded count (up to ``cap`` + 1) of ``stmt``'s rows, those meeting ``conditions`` too, reads:
    ``count_parts`` one after the other, else ``stmt``, in its order or not (:func:`paginate`). Each part has the
    limit too: PostgreSQL plans a part of a UNION for all its rows, where it plans a limited one to stop early."""
    if count_parts:
        return union_all(*(select(part.where(*conditions).limit(cap + 1).subquery()) for part in count_parts))
    return (stmt if count_in_order else stmt.order_by(None)).where(*conditions)


def _count(stmt, cap: int):
    """The number of rows of ``stmt``, counting at most ``cap`` + 1: a subquery to read with a page."""
    counted = stmt.limit(bound_for(stmt, cap + 1)).subquery()
    return select(func.count()).select_from(counted).scalar_subquery().label("page_count_")


def _with_count(page_stmt, counted, cap: int, params: Mapping | None = None) -> list:
    """The rows of ``page_stmt``, each ending with the bounded count of ``counted`` (:func:`_count`): a round trip
    less than a count of its own, and PostgreSQL runs the uncorrelated count once (an InitPlan), reading none of
    the columns the page shows."""
    return db.session.execute(page_stmt.add_columns(_count(counted, cap)), params).all()


def _count_of(rows: list) -> int:
    return rows[0][-1] if rows else 0


def _items(rows: list, scalars: bool) -> list:
    """The page's items: its entities, or for a list of several columns its rows (each also carrying the count as
    its last column, ``page_count_``: a list of columns names the ones it shows)."""
    return [row[0] for row in rows] if scalars else rows


def bounded_count(stmt, page: int, per_page: int, params: Mapping | None = None) -> tuple[int, int, bool]:
    """(the page number kept within the rows, rows counted, more rows than counted) for a list, counting at most
    COUNT_AHEAD pages past ``page``."""
    cap = (page + COUNT_AHEAD) * per_page
    counted = db.session.scalar(select(func.count()).select_from(stmt.limit(cap + 1).subquery()), params) or 0
    total = min(counted, cap)
    return max(1, min(page, max(1, ceil(total / per_page)))), total, counted > cap


def page_arg(request) -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_PAGE else 1


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_KEYSET_PAGE = 10**7  # the page number a keyset link carries is only a label


def encode_key(at: datetime, row_id: int) -> str:
    """A keyset link's key: the row's sort time (UTC, microseconds) and id, as "<microseconds>-<id>"."""
    return f"{(at - EPOCH) // timedelta(microseconds=1)}-{row_id}"


def decode_key(raw: str | None) -> tuple[datetime, int] | None:
    """The (time, id) of a key made by :func:`encode_key`; None for anything else (a first page, never a 500)."""
    if not raw or len(raw) > 40:
        return None
    micros, _, row_id = raw.partition("-")
    if not (micros.isascii() and micros.isdigit() and row_id.isascii() and row_id.isdigit()):
        return None
    try:
        at = EPOCH + timedelta(microseconds=int(micros))
    except OverflowError:
        return None
    return at, int(row_id)


def paginate_keyset(stmt, request, per_page: int, time_column, id_column, *, descending: bool,
                    scalars: bool = True, count_in_order: bool = False, params: Mapping | None = None,
                    ids_first: bool = False, count_parts: list | None = None) -> Page:
    """A page of ``stmt`` (ordered by ``time_column``, ``id_column``, both descending or both ascending, with an
    index in that order) continuing from the request's ``after`` key (the next page) or ``before`` key (the
    previous one); without either, :func:`paginate` by page number. Rows sharing a time are ordered by id, so
    each row is on exactly one page. The count behind "page 3 of 12" is bounded as in :func:`paginate`, from the
    page's first row on. ``ids_first``: a page by number reads its ids first (:func:`paginate`), from the index in
    the list's order; ``count_parts``: as in :func:`paginate`."""
    after, before = decode_key(request.args.get("after")), decode_key(request.args.get("before"))
    if after is None and before is None:
        page = paginate(stmt, page_arg(request), per_page, scalars=scalars, count_in_order=count_in_order,
                        params=params, ids_first=id_column if ids_first else None, count_parts=count_parts)
        return _with_keys(page, time_column, id_column, scalars, prev=page.page > 1, nxt=page.has_next)
    raw_page = request.args.get("page", "1")
    number = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and 0 < int(raw_page) <= MAX_KEYSET_PAGE \
        else 1
    key = tuple_(time_column, id_column)

    def value(at, row_id):
        return tuple_(bindparam(None, at, type_=time_column.type), bindparam(None, row_id, type_=id_column.type))

    forward = after is not None
    anchor = value(*(after if forward else before))
    ahead = (key < anchor) if descending == forward else (key > anchor)
    window = stmt.where(ahead)
    cap = (COUNT_AHEAD + 1) * per_page
    if forward:  # the rows after the key: the page's first row is the first of them, so one count serves both
        counted = _counted(stmt, count_in_order, count_parts, cap, ahead)
    else:  # the rows just before the key, read backwards from it, then put back in the list's order
        order = (time_column.asc(), id_column.asc()) if descending else (time_column.desc(), id_column.desc())
        window = window.order_by(None).order_by(*order)
        # the page's rows added below
        counted = _counted(stmt, count_in_order, count_parts, cap,
                           (key <= anchor) if descending else (key >= anchor))
    rows = _with_count(window.limit(bound_for(window, per_page + 1)), counted, cap, params)
    from_key = _count_of(rows)
    extra = len(rows) > per_page
    rows = rows[:per_page]
    if not forward:
        rows.reverse()
        number = max(1, number) if extra else 1
    # rows from this page's first one on, a few pages ahead at most (none without a row)
    counted_rows = (from_key if forward else len(rows) + from_key) if rows else 0
    total = (number - 1) * per_page + min(counted_rows, cap)
    page = Page(_items(rows, scalars), number, per_page, total, counted_rows > cap)
    return _with_keys(page, time_column, id_column, scalars, prev=forward or extra, nxt=(extra if forward else True))


def _key_of(row, time_column, id_column, scalars: bool) -> tuple[datetime, int]:
    obj = row if scalars else row[0]
    if not hasattr(obj, time_column.key):  # a row of columns, the key's among them by name
        obj = row
    return getattr(obj, time_column.key), getattr(obj, id_column.key)


def _with_keys(page: Page, time_column, id_column, scalars: bool, *, prev: bool, nxt: bool) -> Page:
    """Previous / next links that continue from the page's first / last row."""
    keys = [_key_of(row, time_column, id_column, scalars) for row in page.items[:1] + page.items[-1:]]
    if not keys or any(at is None for at, _ in keys):  # no row to continue from: page numbers
        return page
    page.keyset_prev, page.keyset_next = bool(prev), bool(nxt)
    page.prev_args = {"page": page.page - 1, "before": encode_key(*keys[0])}
    page.next_args = {"page": page.page + 1, "after": encode_key(*keys[-1])}
    return page
