"""The catalog and pipeline screens in Simplified Chinese and English over HTTP (CSRF on): the interface's words,
and the shipped bilingual data (criterion titles, questions, guidance, evidence, pipeline and stage names) in the
reader's language; a criterion page also shows the other language for a bilingual committee; a catalog diff shows a
change made only in the Chinese text. Both engines."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

from sqlalchemy import select

from reviewboard.catalogs import labels as catalog_labels
from reviewboard.catalogs.models import Catalog
from reviewboard.catalogs.schema import parse_catalog
from reviewboard.catalogs.services import find_catalog, import_catalog
from reviewboard.pipelines import labels as pipeline_labels
from reviewboard.pipelines.models import Pipeline
from tests.support.http import login, logout, post_form, token_for

KEY = "rb-tc260-lifecycle"
BILINGUAL = Path(__file__).resolve().parents[2] / "reviewboard" / "catalogs" / "data" / "rb-tc260-lifecycle-1.3.0.yaml"


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def _h1(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)).split())


def _chinese(make, db_session, *roles):
    person = make.user(*roles)
    person.language = "zh-Hans"
    db_session.flush()
    return person


def _bilingual() -> Catalog:
    catalog, _created = import_catalog(None, parse_catalog(BILINGUAL.read_text()))
    return catalog


def test_a_chinese_reader_sees_the_catalog_list_and_criteria_in_chinese(client, make, db_session):
    catalog = _bilingual()
    login(client, _chinese(make, db_session, "reviewer"))
    html = _text(client.get("/catalogs"))
    assert _h1(html) == "审查准则目录" and "ReviewBoard 生命周期审查准则（源自 TC260）" in html
    assert "从 v1.0.0 到 v1.3.0 的变更" in html and "Criteria catalogs" not in html
    html = _text(client.get(f"/catalogs/{catalog.id}", query_string={"stage": "DES"}))
    assert _h1(html) == "ReviewBoard 生命周期审查准则（源自 TC260） 第 1.3.0 版"
    assert "对人工智能系统在其生命周期各阶段" in html  # the catalog's description
    for label in ("筛选审查准则", "框架条款", "审查问题", "审查指引", "参考条款", "风险等级"):
        assert label in html, label
    # the criteria's own texts, from the data, and the fixed words (tiers, frameworks) in Chinese
    assert "<strong>立项阶段的伦理审查</strong>" in html and "Ethics review at project initiation" not in html
    assert "团队是否已书面说明系统的用途" in html
    assert "<td>低、中、高</td>" in html and "TC260《人工智能安全治理框架》1.0 版 6.2(a)" in html
    # an English reader of the same page reads the English texts
    logout(client)
    login(client, make.user("reviewer"))
    english = _text(client.get(f"/catalogs/{catalog.id}", query_string={"stage": "DES"}))
    assert "<strong>Ethics review at project initiation</strong>" in english and "立项阶段的伦理审查" not in english
    assert "<td>low, medium, high</td>" in english


def test_search_finds_a_criterion_by_its_chinese_text(client, make, db_session):
    catalog = _bilingual()
    login(client, make.user("reviewer"))
    html = _text(client.get(f"/catalogs/{catalog.id}", query_string={"q": "立项阶段的伦理审查"}))
    assert re.findall(r"/criteria/(RB-[A-Z]{3}-\d\d)\"", html) == ["RB-DES-03"]


def test_a_criterion_page_shows_the_readers_language_first_and_the_other_beside_it(client, make, db_session):
    catalog = _bilingual()
    login(client, _chinese(make, db_session, "reviewer"))
    html = _text(client.get(f"/catalogs/{catalog.id}/criteria/RB-DES-01"))
    assert _h1(html) == "RB-DES-01 预期用途、用户及不适用范围"
    main, other = html.split('<section class="border-start', 1)
    assert "用例说明；预期用途与禁止用途清单" in main  # evidence expected, in the reader's language
    assert "低、中、高（必须适用）" in main
    assert "来源条款与对照" in other and "<td>已核实</td>" in other  # the crosswalk follows both texts
    assert 'lang="en"' in other and "In English" not in other and "English原文" in other
    assert "Intended purpose, users and out-of-scope uses" in other
    assert "use-case brief; intended and prohibited use list" in other

    logout(client)
    login(client, make.user("reviewer"))
    html = _text(client.get(f"/catalogs/{catalog.id}/criteria/RB-DES-01"))
    main, other = html.split('<section class="border-start', 1)
    assert _h1(html) == "RB-DES-01 Intended purpose, users and out-of-scope uses"
    assert 'lang="zh-Hans"' in other and "In 中文 (简体)" in other and "预期用途、用户及不适用范围" in other
    assert "用例说明；预期用途与禁止用途清单" in other


def test_a_catalog_diff_shows_a_change_made_only_in_the_chinese_text(client, make, db_session):
    first = BILINGUAL.read_text()
    import_catalog(None, parse_catalog(first))
    second = first.replace('version: "1.3.0"', 'version: "1.3.1"', 1).replace(
        "zh-Hans: 立项阶段的伦理审查", "zh-Hans: 项目立项时的伦理审查", 1)
    import_catalog(None, parse_catalog(second))
    changed = next(c for c in find_catalog(KEY, "1.3.1").criteria if c.code == "RB-DES-03")
    assert changed.title == "Ethics review at project initiation"  # the English text did not change
    query = {"from": "1.3.0", "to": "1.3.1"}

    login(client, make.user("auditor"))
    html = _text(client.get(f"/catalogs/{KEY}/diff", query_string=query))
    assert "Reworded (1)" in html and "1 reworded" in html
    assert "Title (中文 (简体))" in html
    assert '<del aria-label="before">立项阶段的伦理审查</del>' in html
    assert '<ins aria-label="after">项目立项时的伦理审查</ins>' in html

    logout(client)
    login(client, _chinese(make, db_session, "auditor"))
    html = _text(client.get(f"/catalogs/{KEY}/diff", query_string=query))
    assert _h1(html).startswith("ReviewBoard 生命周期审查准则（源自 TC260） 的变更")
    assert "措辞变更（1）" in html and "措辞变更 1 项" in html and "新增 0 项" in html
    assert "标题（中文 (简体)）" in html
    assert '<del aria-label="修改前">立项阶段的伦理审查</del>' in html
    assert '<ins aria-label="修改后">项目立项时的伦理审查</ins>' in html
    assert "项目立项时的伦理审查</a>" not in html and "RB-DES-03</code></a> 项目立项时的伦理审查" in html


def test_a_chinese_reader_sees_the_pipelines_and_their_stage_names_in_chinese(client, make, db_session):
    login(client, _chinese(make, db_session, "auditor"))
    html = _text(client.get("/pipelines"))
    assert _h1(html) == "审查流程" and ">标准人工智能生命周期审查</a>" in html and "Standard AI" not in html
    assert "使用该流程的项目" in html and "已发布" in html
    created = db_session.scalar(select(Pipeline.created_at).where(Pipeline.key == "standard"))
    html = _text(client.get("/pipelines/standard"))
    assert f"{created.year}年{created.month}月{created.day}日" in html  # a time as the locale writes it
    assert _h1(html).startswith("标准人工智能生命周期审查 版本 1")
    for stage in ("1. 设计", "2. 研发", "3. 测试", "4. 部署"):
        assert stage in html, stage
    assert "指派的 2 名审查员中需 2 名签署" in html and "30 天" in html and "版本历史" in html
    assert "Design" not in html and "Quorum" not in html


def test_a_chair_who_switches_to_chinese_edits_a_draft_in_chinese(client, make, db_session):
    chair = make.user("chair")
    login(client, chair)
    response = post_form(client, "/pipelines/standard", "/language",
                         {"language": "zh-Hans", "next": "/pipelines/standard"})
    assert response.status_code == 302
    response = post_form(client, "/pipelines/standard", "/pipelines/standard/versions", {})
    assert response.status_code == 302
    html = _text(client.get(response.headers["Location"]))
    assert "已从现行版本复制，开始第 2 版草稿。" in html  # the flash message
    assert _h1(html) == "标准人工智能生命周期审查 第 2 版草稿"
    assert ">设计</a>" in html and "上移 研发" in html and "审查流程名称" in html
    stage = re.search(r'href="(/pipelines/drafts/\d+/stages/\d+)">设计</a>', html).group(1)
    html = _text(client.get(stage))
    assert _h1(html) == "阶段：设计 (DES)" and "法定人数（所需签署数）" in html and "必需审查员" in html
    # the rules the service checks answer in Chinese too, beside the field
    response = post_form(client, stage, stage, {"name": "Design", "tiers": ["low", "medium", "high"], "quorum": "3",
                                                "reviewers": "2", "due_days": "30", "criteria_mode": "catalog"})
    assert response.status_code == 422
    assert "不得多于指派的审查员人数（2）。" in unescape(response.get_data(as_text=True))
    # a refused value is explained in Chinese beside its field
    response = post_form(client, "/pipelines/new", "/pipelines/new",
                         {"key": "Bad Key!", "name": "x", "catalog_id": str(find_catalog(KEY, "1.0.0").id)})
    assert response.status_code == 422
    assert "请使用小写字母、数字和连字符，例如“medical-devices”。" in unescape(response.get_data(as_text=True))


def test_diff_fields_rules_and_tier_lists_read_in_the_readers_language(app):
    """A diff's field names say which language's text changed; rules and tier lists read naturally in both."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert catalog_labels.change_label("title (zh-Hans)") == "Title (中文 (简体))"
        assert catalog_labels.change_label("guidance") == "Guidance (English)"
        assert catalog_labels.change_label("applicability") == "Applicability"
        assert catalog_labels.tier_names(["low", "high"]) == "low, high"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert catalog_labels.change_label("title (zh-Hans)") == "标题（中文 (简体)）"
        assert catalog_labels.change_label("evidence_types") == "应提供的证据（English）"
        assert catalog_labels.tier_names(["low", "high"]) == "低、高"
        rule = {"expertise": "external", "tiers": ["high"], "when": "personal_data"}
        assert pipeline_labels.describe_rule(rule) == "一名外部审查员（高风险等级；项目使用个人数据时）"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = pipeline_labels.describe_rule(rule)
        assert english == "one external reviewer (high tier; when the project uses personal data)"


def test_a_chair_names_the_pipeline_and_a_stage_in_both_languages(client, make, db_session):
    chair = make.user("chair")
    login(client, chair)
    response = post_form(client, "/pipelines/internal-tool", "/pipelines/internal-tool/versions", {})
    editor = response.headers["Location"]
    html = _text(client.get(editor))
    assert 'value="内部工具"' in html  # the draft's Chinese name, ready to edit beside the English one
    draft_id = int(editor.rsplit("/", 1)[1])
    response = post_form(client, editor, f"{editor}/details", {
        "details-name": "Internal tool review", "details-description": "For tools staff use.",
        "details-name_zh_Hans": "内部工具审查", "details-description_zh_Hans": "", "details-change_note": ""})
    assert response.status_code == 302, _text(response)[:2000]
    stage = re.search(r'href="(/pipelines/drafts/\d+/stages/\d+)"', _text(client.get(editor))).group(1)
    form = _text(client.get(stage))
    assert 'name="name_zh_Hans"' in form and "Stage name (中文 (简体))" in form
    response = post_form(client, stage, stage, {"name": "Design check", "name_zh_Hans": "设计核查",
                                                "tiers": ["low", "medium", "high"], "quorum": "1", "reviewers": "1",
                                                "criteria_mode": "catalog"})
    assert response.status_code == 302, _text(response)[:2000]
    # a stage added with its Chinese name at once
    response = post_form(client, editor, f"{editor}/stages", {"add-code": "OPS", "add-name": "Operation",
                                                              "add-name_zh_Hans": "运行"})
    assert response.status_code == 302, _text(response)[:2000]
    assert post_form(client, f"{editor}/publish", f"{editor}/publish", {}).status_code == 302

    chair.language = "zh-Hans"
    db_session.flush()
    html = _text(client.get("/pipelines/internal-tool"))
    assert _h1(html).startswith("内部工具审查") and "1. 设计核查" in html and ". 运行" in html
    assert "For tools staff use." in html  # no Chinese description given: the English one
    html = _text(client.get("/pipelines/internal-tool/diff", query_string={"from": 1, "to": 2}))
    assert "审查流程的其他语言文本" in html and "中文 (简体): 内部工具审查" in html
    assert "阶段 设计核查（DES）有变更" in html and "中文 (简体): 设计核查" in html
    assert "阶段 运行（OPS）" in html
    assert db_session.get(Pipeline, draft_id).translations == {"zh-Hans": {"name": "内部工具审查"}}


def test_a_too_long_chinese_name_is_refused_beside_its_field_with_everything_typed_kept(client, make, db_session):
    login(client, make.user("chair"))
    editor = post_form(client, "/pipelines/internal-tool", "/pipelines/internal-tool/versions", {}).headers["Location"]
    draft_id = int(editor.rsplit("/", 1)[1])
    too_long = "审" * 201
    response = post_form(client, editor, f"{editor}/details", {
        "details-name": "Internal tool review", "details-description": "For tools staff use.",
        "details-name_zh_Hans": too_long, "details-description_zh_Hans": "供员工使用的工具。",
        "details-change_note": "Renamed."})
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    beside = html[html.index('name="details-name_zh_Hans"'):html.index('name="details-description_zh_Hans"')]
    assert "Field cannot be longer than 200 characters." in beside  # under the Chinese name, not elsewhere
    assert f'value="{too_long}"' in html and 'value="Internal tool review"' in html
    assert "For tools staff use." in html and "供员工使用的工具。" in html and "Renamed." in html
    assert db_session.get(Pipeline, draft_id).translations["zh-Hans"]["name"] == "内部工具"  # nothing saved


def test_a_chinese_chair_reads_the_problems_of_an_uploaded_catalog_in_chinese(client, make, db_session):
    login(client, _chinese(make, db_session, "chair"))
    text = BILINGUAL.read_text().replace('version: "1.3.0"', 'version: "1.3.9"', 1)
    bad = text.replace("tiers: [low, medium, high]", "tiers: [low, extreme]", 1)
    line = next(i for i, row in enumerate(bad.splitlines(), 1) if "extreme" in row)
    data = {"file": (io.BytesIO(bad.encode()), "catalog.yaml"), "csrf_token": token_for(client, "/catalogs/import")}
    response = client.post("/catalogs/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert "未导入任何内容：文件中有 1 个问题。" in html
    assert f"第 {line} 行：审查准则 RB-DES-01：未知风险等级 'extreme'（允许的值：low, medium, high）" in html
    assert find_catalog(KEY, "1.3.9") is None
    # a new pipeline is drawn from a catalog named in the chair's language
    _bilingual()
    assert ">ReviewBoard 生命周期审查准则（源自 TC260） v1.3.0</option>" in _text(client.get("/pipelines/new"))


def test_a_reference_in_words_reads_in_the_readers_language_and_clause_numbers_stay_as_they_are(client, make,
                                                                                               db_session):
    catalog = _bilingual()
    login(client, _chinese(make, db_session, "reviewer"))
    html = _text(client.get(f"/catalogs/{catalog.id}/criteria/RB-DES-02"))
    assert ">风险分级（应用场景、智能化水平、应用规模）</a>" in html and ">MAP 2</a>" in html
    assert "risk grading" not in html
    listing = _text(client.get(f"/catalogs/{catalog.id}", query_string={"stage": "DES"}))
    shown = re.sub(r'value="[^"]*"', "", listing)  # what the filter sends stays the stored English
    assert "风险分级（应用场景、智能化水平、应用规模）</option>" in shown and "risk grading" not in shown
    # the filter still sends the English the criteria store, and finds them
    found = _text(client.get(f"/catalogs/{catalog.id}", query_string={
        "ref": "TC260-2.0|risk grading (scenario, intelligence level, scale)"}))
    assert re.findall(r"/criteria/(RB-[A-Z]{3}-\d\d)\"", found) == ["RB-DES-02", "RB-OPS-07"]
    logout(client)
    login(client, make.user("reviewer"))
    english = _text(client.get(f"/catalogs/{catalog.id}/criteria/RB-DES-02"))
    assert ">risk grading (scenario, intelligence level, scale)</a>" in english and "风险分级（应用场景" not in english


def test_the_projects_list_names_each_projects_current_stage_in_the_readers_language(client, make, db_session):
    """The list reads the stage names' translations as text and parses each once per page (projects/summaries.py):
    every row still gets its own stage's name, in the reader's language."""
    in_review = make.submitted_stage().project
    draft = make.project(name="A second project at design")
    db_session.flush()
    login(client, _chinese(make, db_session, "auditor"))
    rows = {name: html for name, html in re.findall(r"<tr[^>]*>.*?>([^<>]+)</a>(.*?)</tr>",
                                                      _text(client.get("/projects")), re.S)}
    assert "设计" in rows[in_review.name] and "Design" not in rows[in_review.name], rows
    assert "设计" in rows[draft.name], rows
    logout(client)
    login(client, make.user("auditor"))
    rows = {name: html for name, html in re.findall(r"<tr[^>]*>.*?>([^<>]+)</a>(.*?)</tr>",
                                                      _text(client.get("/projects")), re.S)}
    assert "Design" in rows[in_review.name] and "设计" not in rows[in_review.name], rows
