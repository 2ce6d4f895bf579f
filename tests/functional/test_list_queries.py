"""The lists people open all day load each page in a fixed number of SQL statements, however many rows it
shows: no statement per row (an N+1 that would make a busy committee's queue slow)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from reviewboard.models.base import utcnow
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome
from tests.support.http import login, logout
from tests.support.statements import statements_sent


def _statements(db_session, client, path: str) -> int:
    def get():
        response = client.get(path)
        assert response.status_code == 200
        return True

    return _count(db_session, get)


def _in_review(make, owner, with_condition=False):
    from datetime import timedelta

    stage = make.submitted_stage(owner)
    if with_condition:
        a, b = make.reviewers()
        due = (utcnow() + timedelta(days=10)).date()
        make.sign(a, stage, Outcome.APPROVE_WITH_CONDITIONS,
                  conditions=[reviews.ConditionEntry("Publish the model card.", owner.id, due)])
        make.sign(b, stage)
    return stage


@pytest.mark.parametrize(("role", "path"), [("reviewer", "/queue?status=all"), ("chair", "/projects"),
                                            ("owner", "/conditions"), ("chair", "/dashboard"),
                                            ("owner", "/dashboard"), ("reviewer", "/dashboard"),
                                            ("chair", "/inventory")])
def test_a_list_page_costs_the_same_statements_for_2_rows_as_for_12(client, make, db_session, role, path):
    owner = make.user("submitter")
    viewer = owner if role == "owner" else make.user(role)
    for i in range(2):
        _in_review(make, owner, with_condition=i == 0)
    login(client, viewer)
    few = _statements(db_session, client, path)
    for i in range(10):
        _in_review(make, owner, with_condition=i % 2 == 0)
    many = _statements(db_session, client, path)
    assert many == few, f"{path}: {few} statements with 2 rows, {many} with 12"


@pytest.mark.parametrize("role", ["chair", "owner"])
def test_the_records_list_costs_the_same_statements_for_2_records_as_for_12(client, make, db_session, role):
    """Each record's stage, project and stage name come with the page: read row by row they cost three statements a
    record (62 for a page of 20)."""
    from sqlalchemy import func

    from reviewboard.records.models import Record

    owner = make.user("submitter")
    viewer = owner if role == "owner" else make.user(role)

    def decide(n):
        for _ in range(n):
            _in_review(make, owner, with_condition=True)
        db_session.commit()  # the records are issued after the deciding commit

    decide(2)
    login(client, viewer)
    few = _statements(db_session, client, "/records")
    decide(10)
    assert db_session.scalar(select(func.count(Record.id))) == 12
    page = client.get("/records").get_data(as_text=True)
    assert page.count(".pdf\"") == 12  # every record listed, with its download link
    many = _statements(db_session, client, "/records")
    assert many == few, f"/records: {few} statements with 2 records, {many} with 12"


@pytest.mark.parametrize("role", ["chair", "owner"])
def test_the_records_list_counts_the_records_its_reader_may_see(app, client, make, db_session, monkeypatch, role):
    """A chair's count reads the record ids alone (records.services.list_count_parts), an owner's the list's own
    statement: both say how many records they list, never another project's."""
    owner, other = make.user("submitter"), make.user("submitter")
    viewer = owner if role == "owner" else make.user(role)
    for _ in range(7):
        _in_review(make, owner, with_condition=True)
    for _ in range(2):
        _in_review(make, other, with_condition=True)
    db_session.commit()  # the records are issued after the deciding commit
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    login(client, viewer)
    listed = 9 if role == "chair" else 7
    html = client.get("/records").get_data(as_text=True)
    assert f"Page 1 of {-(-listed // 3)} · {listed} items" in html
    assert ".pdf\"" not in client.get("/records?q=no+such+record").get_data(as_text=True)  # a search counts its own


@pytest.mark.parametrize("typed", ["%", "_", "%_"])
def test_a_records_search_takes_a_wildcard_as_the_character_typed(client, make, db_session, typed):
    """A search finds a record by project name, record id or the start of its file digest, each as typed: a % or _
    is no wildcard there either (the digest's start was, and "%" listed every record)."""
    from reviewboard.records.models import Record

    owner = make.user("submitter")
    _in_review(make, owner, with_condition=True)
    db_session.commit()  # the record is issued after the deciding commit
    login(client, owner)
    digest = db_session.scalars(select(Record.pdf_sha256)).one()
    assert client.get("/records?q=" + digest[:8]).get_data(as_text=True).count(".pdf\"") == 1
    assert ".pdf\"" not in client.get("/records", query_string={"q": typed}).get_data(as_text=True)


def test_the_daily_digest_costs_the_same_statements_for_2_stages_in_review_as_for_12(make, db_session):
    from reviewboard.notify.digest import build_digests
    from reviewboard.reviews import services as review_services

    chair = make.user("chair")
    reviewers = make.reviewers(2)

    def stages(n):
        for _ in range(n):
            stage = make.submitted_stage()
            for reviewer in reviewers:
                review_services.assign_reviewer(chair, stage, reviewer)
            make.declare(reviewers[1], stage, "I know the team.")  # a recusal on every stage

    stages(2)
    few = _count(db_session, lambda: build_digests(utcnow().date()))
    stages(10)
    many = _count(db_session, lambda: build_digests(utcnow().date()))
    assert many == few, f"build_digests: {few} statements with 2 stages in review, {many} with 12"


def _count(db_session, run) -> int:
    """SQL statements that ``run()`` (which must return something true) sends through the test's connection."""
    connection = db_session.connection()
    seen = []

    def count(*_args, **_kw):
        seen.append(1)

    event.listen(connection, "before_cursor_execute", count)
    try:
        assert run()
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(seen)


def _page_statements(db_session, client, path: str):
    """The response to GET ``path`` and the SQL statements it sent, each on one line."""
    with statements_sent(db_session) as seen:
        return client.get(path), seen


def test_the_stage_page_looks_up_the_reviewers_declaration_once(client, make, db_session):
    from tests.support.http import declare_no_conflict

    stage = make.submitted_stage()
    login(client, make.user("reviewer"))
    declare_no_conflict(client, stage.id)
    connection = db_session.connection()
    seen = []

    def record(_conn, _cursor, statement, *_rest):
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        page = client.get(f"/stages/{stage.id}")
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert page.status_code == 200 and "Your decision" in page.get_data(as_text=True)
    # the round's declarations, read once: the reviewer's own, the recusals and the page's list come from them
    lookups = [s for s in seen if s.lstrip().startswith("SELECT") and "FROM conflict_declaration" in s]
    assert len(lookups) == 1, len(lookups)


def test_a_record_download_reads_its_permission_name_and_bytes_in_one_statement(client, make, db_session):
    from sqlalchemy import select

    from reviewboard.records.models import Record

    stage = make.submitted_stage()
    for reviewer in make.reviewers(2):
        make.sign(reviewer, stage)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    owner, stranger = stage.project.owner, make.user("submitter")
    seen = []

    def record_statement(_conn, _cursor, statement, *_rest):
        seen.append(statement)

    login(client, owner)
    connection = db_session.connection()
    event.listen(connection, "before_cursor_execute", record_statement)
    try:
        response = client.get(f"/records/{record.id}.pdf")
    finally:
        event.remove(connection, "before_cursor_execute", record_statement)
    assert response.status_code == 200 and response.data == record.pdf
    assert response.headers["X-File-SHA256"] == record.pdf_sha256
    assert record.filename in response.headers["Content-Disposition"]
    reads = [s for s in seen if "FROM record" in s or "FROM stage_review" in s or "FROM project" in s]
    assert len(reads) == 1, reads
    logout(client)
    login(client, stranger)  # another submitter's record: as if it did not exist
    assert client.get(f"/records/{record.id}.pdf").status_code == 404
    assert client.get(f"/records/{record.id + 1000}.pdf").status_code == 404


def test_the_stage_page_reads_recusals_and_delegations_once_however_many_criteria(client, make, db_session):
    """A delegate of an assigned reviewer opens a stage: whether they act for someone is asked for every
    criterion and sign-off on the page, and each answer comes from one read of the round's declarations and one of
    the delegations they hold (an N+1 that made the stage page 57 statements at 1,000 projects)."""
    from reviewboard.reviews.services import assign_reviewer

    stage = make.submitted_stage()
    chair = make.user("chair")
    away, delegate = make.user("reviewer"), make.user("reviewer")
    assign_reviewer(chair, stage, away)
    assign_reviewer(chair, stage, make.user("reviewer"))
    make.delegation(away, delegate)
    assert len(stage.applicable_criteria()) > 3
    login(client, delegate)
    page, seen = _page_statements(db_session, client, f"/stages/{stage.id}")
    assert page.status_code == 200 and "on behalf of" in page.get_data(as_text=True).lower()
    recusals = [s for s in seen if "FROM conflict_declaration" in s]  # the round's declarations, read once
    delegations = [s for s in seen if "FROM delegation" in s and "delegate_id" in s.split("WHERE", 1)[-1]]
    assert len(recusals) == 1, recusals
    assert len(delegations) == 1, delegations


def test_the_project_page_reads_every_stages_records_and_conditions_in_one_statement_each(client, make, db_session):
    owner = make.user("submitter")
    stage = _in_review(make, owner, with_condition=True)  # approved with a condition: the next stage opens
    project = stage.project
    assert len(project.stages) > 1
    login(client, make.user("chair"))
    page, seen = _page_statements(db_session, client, f"/projects/{project.id}")
    assert page.status_code == 200 and "1 condition" in page.get_data(as_text=True)
    for table in ("record", "condition"):
        reads = [s for s in seen if s.startswith("SELECT") and f"FROM {table} WHERE" in s]
        assert len(reads) == 1, (table, reads)


def test_the_stage_page_reads_the_people_it_names_at_once_and_the_chairs_authenticator_once(
        client, app, make, db_session, monkeypatch):
    """Assignees, submitter and signers show by name: read in one statement, their roles in one more (the
    approval rule asks whether the signers are all chairs), not one statement per person; the chair's
    authenticator is looked up once (with the person, by the session's user loader), though both the enrolment
    policy and the signing form ask."""
    from reviewboard.config import Defaults
    from reviewboard.reviews.services import assign_reviewer
    from tests.support.http import post_form
    from tests.support.mfa import code, enrol

    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", Defaults.MFA_REQUIRED_ROLES)
    chair = make.user("chair")
    secret, _recovery = enrol(chair)
    stage = make.submitted_stage()
    reviewers = make.reviewers(2)
    for reviewer in reviewers:
        assign_reviewer(chair, stage, reviewer)
    make.sign(reviewers[0], stage)
    login(client, chair)
    assert post_form(client, "/login/code", "/login/code", {"code": code(secret)}).status_code == 302
    page, seen = _page_statements(db_session, client, f"/stages/{stage.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and all(r.name in text for r in reviewers) and stage.project.owner.name in text
    # the signed-in chair's roles come with the person (the statement with their authenticator), the others' in one
    assert len([s for s in seen if "FROM user_role" in s and "totp_credential" not in s]) == 1
    unquoted = [s.replace('"', "") for s in seen]  # PostgreSQL quotes the table name "user", SQLite not
    people = [s for s in unquoted if s.startswith("SELECT user.id") and "FROM user WHERE" in s]
    assert len(people) == 1, people
    assert len([s for s in seen if "totp_credential" in s]) == 1


def test_the_stage_page_in_chinese_costs_the_same_statements_for_1_signature_as_for_2(client, make, db_session):
    """Each signature's role and meaning are reworded for a Chinese reader (reviews/labels.py) from the sign-off
    and its stage already loaded: no statement per signature."""
    from reviewboard.reviews.services import assign_reviewer

    chair = make.user("chair")
    chair.language = "zh-Hans"
    stage = make.submitted_stage()
    reviewers = make.reviewers(3)
    for reviewer in reviewers:
        assign_reviewer(chair, stage, reviewer)
    login(client, chair)

    def selects():
        client.get(f"/stages/{stage.id}")  # what the session caches after one visit, cached for both counts
        page, seen = _page_statements(db_session, client, f"/stages/{stage.id}")
        assert page.status_code == 200
        return page.get_data(as_text=True), [s for s in seen if s.startswith("SELECT")]

    make.sign(reviewers[0], stage, Outcome.REQUEST_CHANGES)
    _html, one = selects()
    make.sign(reviewers[1], stage, Outcome.REQUEST_CHANGES)
    html, two = selects()
    assert html.count("“以伦理审查员身份签署：已要求修改（阶段：设计）”") == 2
    # the second request for changes decides the round, so the page no longer looks up delegations to sign under:
    # one statement fewer, never one more
    assert len(two) <= len(one), f"{len(one)} SELECTs with 1 signature, {len(two)} with 2"


def _selects(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("SELECT")]


def test_the_queue_reads_each_page_and_its_count_in_one_statement(app, client, make, db_session, monkeypatch):
    """A reviewer's queue costs four SELECTs whatever it shows (the reader, the stage names of the filter, the
    delegations they hold, and the page's rows with their count and signatures in one statement; seven before):
    no statement for the count, nor for the rounds and signatures of the rows; the same on a page reached by its
    "Next" link and with filters."""
    from reviewboard.reviews.services import assign_reviewer

    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    chair, reviewer, away = make.user("chair"), make.user("reviewer"), make.user("reviewer")
    stages = [make.submitted_stage() for _ in range(5)]
    assign_reviewer(chair, stages[0], away)  # shown: the reviewer stands in for the away reviewer
    assign_reviewer(chair, stages[1], make.user("reviewer"))  # hidden: assigned to someone else
    make.delegation(away, reviewer)
    make.sign(reviewer, stages[2])
    login(client, reviewer)
    first, seen = _page_statements(db_session, client, "/queue?status=all")
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and f'href="/stages/{stages[0].id}"' in text and "1 of 2" in text
    assert f'href="/stages/{stages[1].id}"' not in text and "Page 1 of 2 · 4 items" in text
    assert len(_selects(seen)) == 4, _selects(seen)
    rows = [s for s in seen if "FROM stage_review" in s]
    assert len(rows) == 1 and "count(" in rows[0], rows
    link = re.search(r'href="([^"]*after=[^"]*)">Next', text).group(1).replace("&amp;", "&")
    second, seen = _page_statements(db_session, client, link)
    assert second.status_code == 200 and "Page 2 of 2 · 4 items" in second.get_data(as_text=True)
    assert len(_selects(seen)) == 4, _selects(seen)
    filtered, seen = _page_statements(db_session, client, f"/queue?status=waiting&tier={stages[3].project.tier}")
    assert filtered.status_code == 200 and f'href="/stages/{stages[2].id}"' not in filtered.get_data(as_text=True)
    assert len(_selects(seen)) == 4, _selects(seen)


@pytest.mark.parametrize("role", ["chair", "reviewer"])
def test_the_stage_page_costs_a_fixed_number_of_statements(client, make, db_session, role):
    """The stage page of a stage in review with two assigned reviewers, one signature and a declaration, as a chair
    and as the assigned reviewer who has not signed: the stage, its project and pinned catalog in one statement, and
    the round's declarations once; the catalog's criteria not at all once the process has read them (the first
    view below). The numbers are the page's whole cost, reader included: a new statement per request (a lazy load
    in a template, a predicate's own query) shows here."""
    from reviewboard.reviews.services import assign_reviewer
    from tests.support.http import declare_no_conflict

    chair = make.user("chair")
    stage = make.submitted_stage()
    reviewers = make.reviewers(2)
    for reviewer in reviewers:
        assign_reviewer(chair, stage, reviewer)
    make.sign(reviewers[0], stage)
    viewer = chair if role == "chair" else reviewers[1]
    login(client, viewer)
    if role == "reviewer":
        declare_no_conflict(client, stage.id)
    assert client.get(f"/stages/{stage.id}").status_code == 200  # the catalog's criteria, read once per process
    page, seen = _page_statements(db_session, client, f"/stages/{stage.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and all(r.name in text for r in reviewers)
    assert ("Your decision" in text) == (role == "reviewer")
    assert len([s for s in seen if "FROM conflict_declaration" in s]) == 1
    assert not [s for s in seen if "FROM criterion" in s]
    # 22 and 21 before issue 11 (this page, the user loader); 17 and 15 before the criteria were read once per process
    expected = {"chair": 16, "reviewer": 14}[role]
    assert len(_selects(seen)) == expected, "\n".join(_selects(seen))
