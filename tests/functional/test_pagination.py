"""Long lists page with plain previous / next links (no JavaScript): every row once, none skipped, even when
rows share a sort key; a search or filter stays on every page; no page counts a whole table."""

from __future__ import annotations

import html
import re

from sqlalchemy import event, update

from reviewboard.models.base import utcnow
from reviewboard.projects.models import Project
from reviewboard.reviews.models import StageReview
from tests.support.http import login, logout
from tests.support.statements import statements_sent

_PAGER_LINK = r'<li class="page-item( disabled)?">\s*<a class="page-link" href="([^"]+)">{}</a>'


def _link(page: bytes, label: str) -> str | None:
    """The href of the pager's enabled ``label`` link, or None."""
    match = re.search(_PAGER_LINK.format(label), page.decode())
    return html.unescape(match.group(2)) if match and not match.group(1) else None


def _walk(client, path: str, row: str, label: str = "Next") -> tuple[list[int], list[str]]:
    """The row ids (``row``: a regex with one group) of every page reached from ``path`` by ``label`` links,
    and the URLs visited."""
    ids, urls = [], []
    while path:
        response = client.get(path)
        assert response.status_code == 200, path
        urls.append(path)
        ids += [int(i) for i in re.findall(row, response.data.decode())]
        path = _link(response.data, label)
        assert len(urls) < 50, "the pager never ends"
    return ids, urls


def _same_time(db_session, model, column, ids):
    db_session.execute(update(model).where(model.id.in_(ids)).values({column: utcnow().replace(microsecond=0)}))
    db_session.flush()


def test_the_projects_list_pages_forward_and_back_through_rows_with_the_same_time(app, client, make, db_session,
                                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 4)
    owner = make.user("submitter")
    projects = [make.project(owner, name=f"Project {i}") for i in range(11)]
    _same_time(db_session, Project, "updated_at", [p.id for p in projects])  # the order falls back on the id
    login(client, make.user("chair"))

    forward, urls = _walk(client, "/projects", r'href="/projects/(\d+)"')
    assert len(urls) == 3
    assert sorted(forward) == sorted(p.id for p in projects), "a project missing or shown twice"
    assert forward == sorted(forward, reverse=True)
    backward, _ = _walk(client, urls[-1], r'href="/projects/(\d+)"', label="Previous")
    assert sorted(backward) == sorted(forward)
    assert b"Page 3 of 3 \xc2\xb7 11 items" in client.get(urls[-1]).data


def test_a_search_stays_on_every_page(app, client, make, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    owner = make.user("submitter")
    wanted = {make.project(owner, name=f"Credit scoring {i}").id for i in range(7)}
    for i in range(5):
        make.project(owner, name=f"Chatbot {i}")
    login(client, make.user("chair"))

    found, urls = _walk(client, "/projects?q=credit+scoring", r'href="/projects/(\d+)"')
    assert len(urls) == 3 and all("q=credit+scoring" in u for u in urls[1:])
    assert sorted(found) == sorted(wanted)


def test_the_queue_pages_through_stages_submitted_at_the_same_time_keeping_its_filter(app, client, make, db_session,
                                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    owner = make.user("submitter")
    stages = [make.submitted_stage(owner) for _ in range(7)]
    _same_time(db_session, StageReview, "submitted_at", [s.id for s in stages])
    login(client, make.user("reviewer"))

    found, urls = _walk(client, "/queue?status=all", r'href="/stages/(\d+)"')
    assert len(urls) == 3 and all("status=all" in u for u in urls[1:])
    assert sorted(found) == sorted(s.id for s in stages), "a stage missing or shown twice"
    assert found == sorted(found)  # same submission time: oldest stage first


def test_the_queue_as_it_opens_pages_forward_back_and_by_a_typed_number_the_same_each_time(app, client, make,
                                                                                          db_session, monkeypatch):
    """The queue as it opens is planned once per connection on PostgreSQL, its limits and offsets written into its
    statements (core/plans.py): walked six times (psycopg prepares a statement from its sixth execution, and the
    plan made once is used from then on), every walk shows every stage once in the same order, back again, and a
    page number typed past the last shows the last page."""
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    owner = make.user("submitter")
    stages = [make.submitted_stage(owner) for _ in range(7)]
    login(client, make.user("reviewer"))
    row = r'href="/stages/(\d+)"'
    for _ in range(6):
        forward, urls = _walk(client, "/queue", row)
        assert len(urls) == 3
        assert forward == [s.id for s in stages], "a stage missing, shown twice or out of order"
        backward, _ = _walk(client, urls[-1], row, label="Previous")
        assert backward == [s.id for s in stages[6:]] + [s.id for s in stages[3:6]] + [s.id for s in stages[:3]]
        typed = client.get("/queue?page=99")
        assert typed.status_code == 200
        assert [int(i) for i in re.findall(row, typed.data.decode())] == [stages[6].id]
        assert b"Page 3 of 3" in typed.data


def test_a_long_list_counts_only_a_few_pages_ahead(app, client, make, db_session, monkeypatch):
    """Past ten pages ahead the pager says "more than", and the count it runs is bounded by a LIMIT."""
    monkeypatch.setitem(app.config, "PER_PAGE", 1)
    owner = make.user("submitter")
    for i in range(13):
        make.project(owner, name=f"Project {i}")
    login(client, make.user("chair"))
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    connection = db_session.connection()
    event.listen(connection, "before_cursor_execute", seen)
    try:
        first = client.get("/projects")
        queue = client.get("/queue")
    finally:
        event.remove(connection, "before_cursor_execute", seen)
    assert first.status_code == queue.status_code == 200
    assert b"Page 1 of more than 11" in first.data
    counts = [s for s in statements if "count(" in s]
    assert len(counts) == 2, counts  # the projects list's and the queue's
    assert all("limit" in s for s in counts), counts

    last = client.get("/projects?page=13")
    assert b"Page 13 of 13 \xc2\xb7 13 items" in last.data
    assert _link(last.data, "Next") is None and _link(last.data, "Previous")


def test_next_and_previous_continue_from_a_rows_key_without_skipping_rows_by_offset(app, client, make, db_session,
                                                                                   monkeypatch):
    """A deep page reached by its links reads from the index at the key of the row it continues from, whatever
    its depth; a key that is not one (typed, truncated) shows the first page."""
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    owner = make.user("submitter")
    projects = [make.project(owner, name=f"Project {i}") for i in range(5)]
    _same_time(db_session, Project, "updated_at", [p.id for p in projects[:3]])
    login(client, make.user("chair"))
    first = client.get("/projects").data
    second = _link(first, "Next")
    assert second and "after=" in second and "page=2" in second
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    connection = db_session.connection()
    event.listen(connection, "before_cursor_execute", seen)
    try:
        page = client.get(second)
    finally:
        event.remove(connection, "before_cursor_execute", seen)
    assert b"Page 2 of 3 \xc2\xb7 5 items" in page.data
    rows = [s for s in statements if "from project" in s and "order by project.updated_at" in s]
    assert len(rows) == 1 and "(project.updated_at, project.id) <" in rows[0], rows
    assert "offset" not in rows[0] or db_session.bind.dialect.name == "sqlite", rows  # SQLite writes OFFSET 0
    previous = _link(page.data, "Previous")
    assert previous and "before=" in previous
    back = client.get(previous).data
    assert re.findall(r'href="/projects/(\d+)"', back.decode()) == re.findall(r'href="/projects/(\d+)"', first.decode())
    assert b"Page 1 of 3" in back and _link(back, "Previous") is None
    for bad in ("after=x", "after=99999999999999999999999-1", "before=-1", "after=1-", "after=%00"):
        response = client.get(f"/projects?{bad}")
        assert response.status_code == 200 and b"Page 1 of 3" in response.data, bad


def test_a_page_typed_by_number_shows_the_rows_the_links_reach(app, client, make, db_session, monkeypatch):
    """A page by number (no key to continue from) reads the ids of its rows first and then those rows: the same
    rows in the same order as the links reach, rows sharing a time included, and the same count."""
    monkeypatch.setitem(app.config, "PER_PAGE", 4)
    owner = make.user("submitter")
    projects = [make.project(owner, name=f"Project {i}") for i in range(11)]
    _same_time(db_session, Project, "updated_at", [p.id for p in projects[2:9]])
    login(client, make.user("chair"))
    linked, _ = _walk(client, "/projects", r'href="/projects/(\d+)"')
    with statements_sent(db_session, str.lower) as statements:
        pages = [client.get(f"/projects?page={n}").data for n in (1, 2, 3)]
    assert [int(i) for page in pages for i in re.findall(r'href="/projects/(\d+)"', page.decode())] == linked
    assert all(f"Page {n} of 3 · 11 items".encode() in page for n, page in enumerate(pages, 1))
    deep = [s for s in statements if "project.id in (select project.id" in s]
    assert len(deep) == 2, statements  # pages 2 and 3: their ids read on their own, by offset


def test_a_search_counts_each_project_once_whether_its_name_or_purpose_or_both_have_the_words(
        app, client, make, db_session, monkeypatch):
    """The search's count reads the projects whose name has the words, then those whose purpose has them: a project
    with both is counted once, and a submitter's count keeps to the projects they may see."""
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    owner, other = make.user("submitter"), make.user("submitter")
    for i in range(3):
        make.project(owner, name=f"Credit scoring {i}")
        make.project(owner, name=f"Loans {i}", purpose="Does credit scoring for loans.")
    make.project(owner, name="Credit scoring both", purpose="Credit scoring, again.")
    make.project(other, name="Credit scoring elsewhere")
    make.project(owner, name="Chatbot")
    login(client, make.user("chair"))
    found, urls = _walk(client, "/projects?q=Credit+Scoring", r'href="/projects/(\d+)"')
    assert len(found) == len(set(found)) == 8 and len(urls) == 4
    assert all(f"Page {n} of 4 · 8 items".encode() in client.get(url).data for n, url in enumerate(urls, 1))
    logout(client)
    login(client, owner)
    assert "Page 1 of 4 · 7 items" in client.get("/projects?q=credit+scoring").get_data(as_text=True)
