"""A signature's meaning and role on the stage page in the reader's language (HTTP, CSRF on, both engines):
a Chinese-speaking reader sees them rebuilt from their parts in Chinese, an English reader sees exactly the
English that was signed, and the signed text itself never changes."""

from __future__ import annotations

from flask_babel import force_locale

from reviewboard.reviews import lifecycle
from reviewboard.reviews.labels import role_title_words
from tests.support.http import login, login_reading


def _signed_stage(make, db_session):
    project = make.project(name="Harbour Pilot Scheduler")
    stage = project.stages[0]
    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    stage.pipeline_stage.required_roles = [{"expertise": "legal"}, {"expertise": "privacy"}]
    chair = make.user("reviewer", "chair", name="Chen Chair")
    chair.expertise = ["legal", "privacy"]
    db_session.flush()
    signed = [make.sign(chair, stage), make.sign(make.user("reviewer", name="Rui Reviewer"), stage)]
    db_session.expire_all()
    return stage, signed


def test_a_chinese_reader_sees_the_signatures_meaning_and_role_in_chinese(client, make, db_session):
    stage, (by_chair, by_reviewer) = _signed_stage(make, db_session)
    assert by_chair.role_title == "Committee chair and legal and privacy reviewer"
    assert by_chair.meaning == "Approved as committee chair and legal and privacy reviewer, stage Design"
    login_reading(client, make.user("chair"), "zh-Hans", db_session)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "(委员会主席兼法律和隐私审查员)" in page
    assert "以委员会主席兼法律和隐私审查员身份签署：已批准（阶段：设计）" in page
    assert "(伦理审查员)" in page and "以伦理审查员身份签署：已批准（阶段：设计）" in page
    assert "Approved as" not in page and "reviewer)" not in page
    assert 'title="完好：与本记录、本轮及所签内容绑定"' in page and "intact:" not in page  # the signature's status
    db_session.refresh(by_chair)  # what was signed stays as it was signed
    assert by_chair.meaning == "Approved as committee chair and legal and privacy reviewer, stage Design"


def test_an_english_reader_sees_exactly_what_was_signed(client, make, db_session):
    stage, (by_chair, by_reviewer) = _signed_stage(make, db_session)
    login(client, make.user("chair"))
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "(Committee chair and legal and privacy reviewer)" in page
    assert "“Approved as committee chair and legal and privacy reviewer, stage Design”" in page
    assert "(Ethics reviewer)" in page and "“Approved as ethics reviewer, stage Design”" in page
    assert 'title="intact: bound to this record, round and content"' in page


def test_a_delegates_role_names_whom_they_sign_for_and_an_unknown_role_stays_as_signed(app):
    with app.test_request_context(), force_locale("zh_Hans"):
        assert role_title_words("Delegate of Ava Away") == "Ava Away 的代理人"
        assert role_title_words("External reviewer") == "外部审查员"
        assert role_title_words("Honorary reviewer") == "Honorary reviewer"
    with app.test_request_context(), force_locale("en"):
        assert role_title_words("Delegate of Ava Away") == "Delegate of Ava Away"


def test_a_superseded_signature_says_so_in_english_for_the_api_and_in_the_readers_language_on_pages(app):
    from reviewboard.reviews.labels import signature_status_words
    from reviewboard.reviews.signatures import SignatureStatus

    status = SignatureStatus("superseded", "superseded by round %(round)s", {"round": 3})
    assert status.reason == "superseded by round 3"
    with app.test_request_context(), force_locale("zh_Hans"):
        assert signature_status_words(status) == "已被第 3 轮取代"
