"""Search with Chinese text: a project named in Chinese is found by a Chinese substring of its name or purpose,
on the projects list and the inventory, on both engines (LIKE on lower(), PostgreSQL's trigram index aside)."""

from __future__ import annotations

import re

from tests.support.http import login


def _linked_names(html: str) -> set[str]:
    return set(re.findall(r'<a href="/projects/\d+">([^<]+)</a>', html))


def test_a_chinese_substring_finds_the_project_on_the_list_and_the_inventory(client, make, db_session):
    make.project(name="智能客服风险评估系统", purpose="为银行客户提供人工智能问答服务")
    make.project(name="Alpha Triage")
    make.project(name="城市交通信号优化")
    db_session.commit()
    login(client, make.user("chair"))
    for path in ("/projects", "/inventory"):
        by_name = _linked_names(client.get(path, query_string={"q": "风险评估"}).get_data(as_text=True))
        assert "智能客服风险评估系统" in by_name and "城市交通信号优化" not in by_name and "Alpha Triage" not in by_name
        by_purpose = _linked_names(client.get(path, query_string={"q": "问答服务"}).get_data(as_text=True))
        assert "智能客服风险评估系统" in by_purpose and "城市交通信号优化" not in by_purpose
        nothing = _linked_names(client.get(path, query_string={"q": "人脸识别"}).get_data(as_text=True))
        assert not {"智能客服风险评估系统", "城市交通信号优化"} & nothing


def test_full_width_letters_typed_in_chinese_text_and_a_percent_sign_are_searched_as_typed(client, make, db_session):
    """Chinese text often carries full-width letters (ＡＩ): SQLite's lower() leaves them as they are, so the words
    must not be lowered past what the database lowers; a % or _ in the words is that character, not a wildcard."""
    make.project(name="ＡＩ客服助手", purpose="问答覆盖率达到100%的客服系统")
    make.project(name="普通客服助手", purpose="问答覆盖率达到1000条的客服系统")
    db_session.commit()
    login(client, make.user("chair"))
    for path in ("/projects", "/inventory"):
        def found(words):
            return _linked_names(client.get(path, query_string={"q": words}).get_data(as_text=True))

        assert found("ＡＩ客服") == {"ＡＩ客服助手"}
        assert found("100%的") == {"ＡＩ客服助手"}
        assert found("客服助手") == {"ＡＩ客服助手", "普通客服助手"}


def test_the_people_list_finds_a_chinese_name_by_part_of_it(client, make, db_session):
    names = ("王芳芳", "王芳_组长", "Alice Wang")
    for name in names:
        make.user("reviewer", name=name)
    db_session.commit()
    login(client, make.user("chair"))

    def found(words):
        html = client.get("/admin/users", query_string={"q": words}).get_data(as_text=True)
        return {name for name in names if name in html}

    assert found("王芳") == {"王芳芳", "王芳_组长"}
    assert found("芳_") == {"王芳_组长"}  # "_" is the character, not "any one character"
    assert found("wang") == {"Alice Wang"}
