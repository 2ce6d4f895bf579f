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
