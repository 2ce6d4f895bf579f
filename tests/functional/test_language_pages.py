"""The interface in Simplified Chinese and English over HTTP (CSRF on): the language comes from the person's
profile, else the visitor's switcher choice, else Accept-Language, else the organisation's DEFAULT_LANGUAGE; the
navbar's switcher works without JavaScript and saves a signed-in person's choice; converted pages, messages,
form errors, error pages and times follow the language. Both engines."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.auth.models import User
from reviewboard.core.language import translated
from tests.support.http import csrf_token, login, logout, post_form

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def _chinese_user(make, db_session, *roles):
    person = make.user(*roles)
    person.language = "zh-Hans"
    db_session.flush()
    return person


def _h1(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)).strip()


def test_a_chinese_speaking_chair_sees_the_navigation_and_people_list_in_chinese(client, make, db_session):
    chair = _chinese_user(make, db_session, "chair")
    login(client, chair)
    html = client.get("/admin/users").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    for label in ("工作台", "项目", "审计日志", "人员", "退出登录", "跳至正文"):
        assert label in html, label
    assert ">Dashboard<" not in html and ">Sign out<" not in html
    assert _h1(html) == "人员" and "委员会主席" in html  # the role's title too
    html = client.get("/dashboard").get_data(as_text=True)
    assert _h1(html) == f"欢迎，{chair.name}" and "已上报的项目" in html


def test_times_are_formatted_for_the_language_in_the_display_time_zone(client, make, db_session, app, monkeypatch):
    chair = _chinese_user(make, db_session, "chair")
    person = make.user("submitter", name="Lin Shown")
    person.last_sign_in_at = datetime(2026, 5, 4, 14, 30, tzinfo=UTC)
    db_session.flush()
    login(client, chair)
    assert "2026年5月4日 14:30 UTC" in client.get("/admin/users?q=lin").get_data(as_text=True)
    monkeypatch.setitem(app.config, "DISPLAY_TIMEZONE", "Asia/Shanghai")  # shown in the zone; stored in UTC
    assert "2026年5月4日 22:30 UTC+08:00" in client.get("/admin/users?q=lin").get_data(as_text=True)
    chair.language = "en"
    db_session.flush()
    html = client.get("/admin/users?q=lin").get_data(as_text=True)
    assert "2026-05-04 22:30 UTC+08:00" in html and "2026-05-04 14:30" not in html


def test_an_error_page_is_in_the_persons_language(client, make, db_session):
    login(client, _chinese_user(make, db_session))
    response = client.get("/admin/users")  # a submitter may not manage people
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and _h1(html) == "无权操作 (403)"
    assert "您无权执行此操作" in html and "前往工作台" in html
    response = client.get("/no/such/page")
    assert response.status_code == 404 and _h1(response.get_data(as_text=True)) == "未找到 (404)"


def test_an_anonymous_visitor_gets_the_browsers_language_and_english_by_default(client, app, monkeypatch):
    html = client.get("/login", headers=ZH).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and _h1(html) == "登录 ReviewBoard"
    assert '<label class="form-label" for="email">电子邮件</label>' in html
    html = client.get("/login", headers={"Accept-Language": "en-GB,zh;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in html and _h1(html) == "Sign in to ReviewBoard"
    html = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert _h1(html) == "Sign in to ReviewBoard"  # nothing offered fits: the organisation's default
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "zh-Hans")
    assert _h1(client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)) == "登录 ReviewBoard"
    assert _h1(client.get("/login").get_data(as_text=True)) == "登录 ReviewBoard"


def test_form_errors_are_in_the_visitors_language(client, make, db_session):
    token = csrf_token(client.get("/login", headers=ZH).data)
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token}, headers=ZH)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请输入您的电子邮件地址。" in html and "请输入您的密码。" in html
    response = client.post("/login", data={"email": "nobody@example.test", "password": "wrong password",
                                           "csrf_token": token}, headers=ZH)
    assert "电子邮件或密码不正确，或该账户已停用。" in response.get_data(as_text=True)
    person = _chinese_user(make, db_session)
    login(client, person)
    response = post_form(client, "/account", "/account", {"name": " ", "language": "zh-Hans", "digest": "on"})
    assert response.status_code == 422 and "该字段是必填字段。" in response.get_data(as_text=True)  # WTForms' own


def test_flash_messages_are_in_the_persons_language(client, make, db_session):
    person = _chinese_user(make, db_session)
    login(client, person)
    response = post_form(client, "/account", "/account", {"name": "Lin Renamed", "language": "zh-Hans",
                                                          "digest": "on"}, follow_redirects=True)
    assert "个人资料已保存。" in response.get_data(as_text=True)
    response = logout(client)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "您已退出登录。" in html and _h1(html) == "登录 ReviewBoard"  # signed out, still in their language


def test_the_switcher_changes_an_anonymous_visitors_language_for_the_session(client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<button[^>]*name="language" value="zh-Hans" lang="zh-Hans"[^>]*>中文 \(简体\)</button>', html)
    response = client.post("/language", data={"language": "zh-Hans", "next": "/login",
                                              "csrf_token": csrf_token(html)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _h1(html) == "登录 ReviewBoard"  # the choice beats the browser's language
    assert re.search(r'value="en" lang="en"[^>]*>English</button>', html)
    response = client.post("/language", data={"language": "en", "next": "//evil.example/",
                                               "csrf_token": csrf_token(html)})
    assert response.headers["Location"] == "/dashboard"  # never off the site
    assert _h1(client.get("/login").get_data(as_text=True)) == "Sign in to ReviewBoard"


def test_the_switcher_saves_a_signed_in_persons_language_to_their_profile(client, make, db_session):
    person = make.user("submitter")
    login(client, person)
    response = post_form(client, "/account", "/language", {"language": "zh-Hans", "next": "/account"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db_session.expire_all()
    assert db_session.get(User, person.id).language == "zh-Hans"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "user.profile_changed",
                                                        AuditEvent.object_id == str(person.id))).one()
    payload = json.loads(event.payload)
    assert (payload["before"], payload["after"]) == ({"language": ""}, {"language": "zh-Hans"})  # none chosen
    html = client.get("/account").get_data(as_text=True)
    assert _h1(html) == "个人资料" and '<option selected value="zh-Hans">' in html
    logout(client)
    login(client, person)  # a new session on another browser: the profile decides
    assert _h1(client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)) == "个人资料"


def test_the_daily_digest_is_written_in_its_readers_language(app, make, db_session):
    from reviewboard.notify.digest import Digest, Item
    from reviewboard.notify.services import render_message

    item = Item(key="k", kind="review", section="reviewer", text="Triage model: Testing", detail="due 2026-05-04",
                link="http://localhost/stages/1", overdue_days=2)
    reader = _chinese_user(make, db_session, "reviewer")
    message = render_message(Digest(reader, [item]), datetime(2026, 5, 6).date(), "ReviewBoard <rb@localhost>")
    assert message["Subject"] == "ReviewBoard 每日摘要：1 项，1 项逾期"
    text = message.get_body(("plain",)).get_content()
    assert f"{reader.name}，您好：" in text and "等待您审查" in text and "2026年5月6日" in text
    html = message.get_body(("html",)).get_content()
    assert '<html lang="zh-Hans">' in html and "您每天最多收到一份摘要" in html
    english = render_message(Digest(make.user("reviewer"), [item]), datetime(2026, 5, 6).date(), "rb@localhost")
    assert english["Subject"] == "ReviewBoard daily digest: 1 item, 1 overdue"
    assert "Waiting for your review" in english.get_body(("plain",)).get_content()


def test_the_switcher_refuses_a_post_without_its_token_or_with_a_language_not_offered(client, make, db_session):
    person = make.user("submitter")
    login(client, person)
    assert client.post("/language", data={"language": "zh-Hans"}).status_code == 400
    assert post_form(client, "/account", "/language", {"language": "fr"}).status_code == 400
    db_session.expire_all()
    assert db_session.get(User, person.id).language == ""  # still none chosen


def test_a_chinese_speaking_chair_sees_the_inventory_and_metrics_in_chinese_and_exports_in_english(
        client, make, db_session):
    chair = _chinese_user(make, db_session, "chair")
    project = make.project()
    db_session.commit()
    login(client, chair)
    html = client.get("/inventory").get_data(as_text=True)
    assert _h1(html) == "人工智能系统清单" and f">{project.name}<" in html
    for label in ("风险等级", "下一次审查", "最近一次决定", "登记备案义务", "时间线"):
        assert label in html, label
    assert ">Next review<" not in html and ">Last decision<" not in html
    html = client.get("/metrics").get_data(as_text=True)
    assert _h1(html) == "委员会指标"
    for heading in ("各阶段审查周期", "各月审查周期中位数", "审查员工作量与回避", "逾期的附加条件", "本期间的决定"):
        assert heading in html, heading
    assert "当前审查中的阶段，按其本轮提交以来的时长统计。" in html  # the tables' notes too
    assert "Review cycle time by stage" not in html and ">Committee metrics<" not in html
    assert "The stages in" not in html
    response = post_form(client, "/metrics", "/metrics/export.csv", {"table": "workload"})  # machine-read: English
    header = response.get_data().decode("utf-8-sig").splitlines()[0]
    assert header == "Reviewer,Assigned stages in review now,Sign-offs in the period,Recusals in the period"


def test_the_inventorys_last_decision_names_the_stage_and_its_outcome_in_the_readers_language(
        client, make, db_session):
    """The "Last decision" column of a Chinese-speaking chair's inventory: the stage's Chinese name and the
    outcome's Chinese label, as the "Current stage" column beside it (it printed both in English)."""
    stage = make.submitted_stage(name="Delta Triage")
    first, second = make.reviewers(2)
    make.sign(first, stage)
    make.sign(second, stage)
    chair = _chinese_user(make, db_session, "chair")
    db_session.commit()
    login(client, chair)
    html = client.get("/inventory?q=Delta").get_data(as_text=True)
    cell = re.search(r"<td>([^<]*)\s*<div class=\"small text-muted\"><time", html).group(1)
    assert cell.strip() == f"{translated(stage.pipeline_stage, 'name', 'zh-Hans')}: 已批准"
    assert "Approved" not in cell


def test_a_new_account_follows_its_browsers_language_until_the_person_chooses_one(client, make, db_session):
    """Issue 14: the person's setting, then the browser's Accept-Language, then the organisation's default. A new
    account has chosen nothing, so a Chinese browser gets Chinese pages after sign-in too."""
    person = make.user("submitter")
    assert person.language == ""
    login(client, person)
    assert _h1(client.get("/account", headers=ZH).get_data(as_text=True)) == "个人资料"
    html = client.get("/account").get_data(as_text=True)  # no Accept-Language: the organisation's English
    assert _h1(html) == "Your profile" and '<option selected value="">As my browser asks</option>' in html
    response = post_form(client, "/account", "/account", {"name": person.name, "language": "en", "digest": "on"},
                         headers=ZH)
    assert response.status_code == 302
    assert _h1(client.get("/account", headers=ZH).get_data(as_text=True)) == "Your profile"  # chosen: it wins
    post_form(client, "/account", "/account", {"name": person.name, "language": "", "digest": "on"})
    db_session.expire_all()
    assert db_session.get(User, person.id).language == ""
    assert _h1(client.get("/account", headers=ZH).get_data(as_text=True)) == "个人资料"  # the browser's again


def test_a_digest_for_someone_who_chose_no_language_is_in_the_organisations_default(app, make, db_session):
    from reviewboard.notify.digest import Digest, Item
    from reviewboard.notify.services import render_message

    item = Item(key="k", kind="review", section="reviewer", text="Triage model: Testing", detail="due 2026-05-04",
                link="http://localhost/stages/1", overdue_days=2)
    reader = make.user("reviewer")
    app.config["DEFAULT_LANGUAGE"] = "zh-Hans"
    try:
        message = render_message(Digest(reader, [item]), datetime(2026, 5, 6).date(), "rb@localhost")
    finally:
        app.config["DEFAULT_LANGUAGE"] = "en"
    assert message["Subject"] == "ReviewBoard 每日摘要：1 项，1 项逾期"
