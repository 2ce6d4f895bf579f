"""The daily digest in its reader's language, on both engines: one item, built once, reads in English for one
recipient and in Chinese for another (the stage's name, dates and counts included), and so do the log line that
is the delivery without SMTP, the notice kept of it and a digest queued for a worker."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from babel.dates import format_skeleton
from sqlalchemy import select

from reviewboard.jobs.models import Job
from reviewboard.models.base import utcnow
from reviewboard.notify.digest import build_digests
from reviewboard.notify.models import Notice
from reviewboard.notify.queued import enqueue_digest
from reviewboard.notify.services import DigestSender, deliver, render_message
from reviewboard.reviews import services as reviews

TODAY = utcnow().date()


def zh_date(day) -> str:
    return format_skeleton("yMMMd", day, locale="zh_Hans")


@pytest.fixture()
def two_readers(make, db_session):
    """A stage in review overdue by three days, waiting for two reviewers: one reads English, one Chinese."""
    stage = make.submitted_stage(name="Triage helper")
    chair = make.user("chair")
    english, chinese = make.user("reviewer"), make.user("reviewer")
    chinese.language = "zh-Hans"
    for reviewer in (english, chinese):
        reviews.assign_reviewer(chair, stage, reviewer)
    stage.due_at = stage.due_at.replace(year=TODAY.year, month=TODAY.month, day=TODAY.day) - timedelta(days=3)
    db_session.flush()
    digests = {d.user.id: d for d in build_digests(TODAY)}
    return stage, digests[english.id], digests[chinese.id]


def test_the_same_item_reads_in_each_recipients_language(app, two_readers):
    stage, english, chinese = two_readers
    due = stage.due_at.date()
    sender = "ReviewBoard <reviewboard@example.test>"
    mail = render_message(english, TODAY, sender)
    text = mail.get_body(("plain",)).get_content()
    assert "Triage helper: Design needs your verdict and sign-off" in text
    assert f"due {due.isoformat()}, 3 days overdue" in text and mail["Subject"].endswith("1 overdue")
    mail = render_message(chinese, TODAY, sender)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Triage helper：设计 需要您的审查结论和签署" in text and "Triage helper：设计 需要您的审查结论和签署" in html
    assert f"{zh_date(due)} 到期，已逾期 3 天" in text and mail["Subject"].startswith("ReviewBoard 每日摘要")
    assert "needs your verdict" not in text and "overdue" not in text
    # the words are the item's, not fixed when it was built: the English digest still reads in English
    assert str(english.items[0].text) == "Triage helper: Design needs your verdict and sign-off"


def test_a_name_that_looks_like_markup_is_escaped_in_the_html_mail(make, db_session):
    stage = make.submitted_stage(name="<b>Bold</b> & co")
    reviewer = make.user("reviewer")
    reviews.assign_reviewer(make.user("chair"), stage, reviewer)
    [digest] = [d for d in build_digests(TODAY) if d.user.id == reviewer.id]
    html = render_message(digest, TODAY, "rb@example.test").get_body(("html",)).get_content()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co: Design is waiting" in html and "<b>Bold</b>" not in html


def test_the_log_line_and_the_notice_are_in_the_readers_language(app, two_readers, db_session, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    caplog.set_level("INFO", logger="reviewboard.notify.digests")
    _stage, _english, chinese = two_readers
    deliver(DigestSender(app.config), chinese, TODAY)
    [line] = [json.loads(r.getMessage().removeprefix("reminder.digest ")) for r in caplog.records
              if r.name == "reviewboard.notify.digests"]
    assert line["items"][0]["text"] == "Triage helper：设计 需要您的审查结论和签署"
    assert line["items"][0]["detail"].endswith("已逾期 3 天") and line["subject"].startswith("ReviewBoard 每日摘要")
    notice = db_session.scalar(select(Notice).where(Notice.user_id == chinese.user.id))
    assert notice.subject == "Triage helper：设计 需要您的审查结论和签署"


def test_a_queued_digest_carries_its_readers_words(app, two_readers, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    _stage, english, chinese = two_readers
    enqueue_digest(chinese, TODAY)
    enqueue_digest(english, TODAY)
    jobs = db_session.scalars(select(Job).where(Job.kind == "digest.send").order_by(Job.id)).all()
    assert [j.payload["items"][0]["text"] for j in jobs] == ["Triage helper：设计 需要您的审查结论和签署",
                                                             "Triage helper: Design needs your verdict and sign-off"]
    assert db_session.scalar(select(Notice.subject).where(Notice.user_id == chinese.user.id)) == \
        "Triage helper：设计 需要您的审查结论和签署"


def test_a_recipient_reads_the_digests_dates_in_their_own_time_zone(app, make, db_session):
    """A decision due at 20:00 UTC is due the next day in Shanghai: a reader there sees that day, a reader who
    set no zone sees the organisation's (UTC here), and a page for either is unaffected once the mail is done."""
    stage = make.submitted_stage(name="Night shift planner")
    chair = make.user("chair")
    here, shanghai = make.user("reviewer"), make.user("reviewer")
    shanghai.language, shanghai.time_zone = "zh-Hans", "Asia/Shanghai"
    for reviewer in (here, shanghai):
        reviews.assign_reviewer(chair, stage, reviewer)
    due_day = TODAY + timedelta(days=5)
    stage.due_at = stage.due_at.replace(year=due_day.year, month=due_day.month, day=due_day.day, hour=20, minute=0)
    db_session.flush()
    digests = {d.user.id: d for d in build_digests(TODAY)}
    sender = "ReviewBoard <reviewboard@example.test>"
    text = render_message(digests[shanghai.id], TODAY, sender).get_body(("plain",)).get_content()
    assert f"{zh_date(due_day + timedelta(days=1))} 到期" in text and f"{zh_date(due_day)} 到期" not in text
    text = render_message(digests[here.id], TODAY, sender).get_body(("plain",)).get_content()
    assert f"due {due_day.isoformat()}" in text
    with app.test_request_context():
        from reviewboard.i18n import local_datetime

        assert local_datetime(stage.due_at).endswith(" UTC")  # the zone was put back after the mail
