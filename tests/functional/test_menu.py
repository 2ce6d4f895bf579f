"""The menu (templates/_macros/menu.html through core/templating.shared_fragment): its links are rendered once per
process for each set of roles, language and prefix, yet each reader sees the links of their own roles, in their own
language, under the prefix they reached the application by, with their own name and CSRF token. Both engines."""

from __future__ import annotations

import re

from tests.support.http import login, logout

CHAIR_ONLY = ('href="/admin/users"', 'href="/webhooks"')
OVERSEER = ('href="/metrics"', 'href="/audit"', 'href="/pipelines"')


def _menu(html: str) -> str:
    return re.search(r'<div class="d-none d-md-flex[^>]*>(.*?)</div>\n', html, re.S).group(1)


def test_each_reader_sees_the_links_of_their_own_roles(client, make, app, monkeypatch):
    chair, reviewer, auditor = make.user("chair"), make.user("reviewer"), make.user("auditor")
    seen = {}
    for person in (chair, reviewer, auditor, chair):
        login(client, person)
        page = client.get("/dashboard").get_data(as_text=True)
        seen[person.email] = _menu(page)
        assert f">{person.name}</a>" in page
        assert logout(client).status_code == 302  # with the CSRF token of the sign-out form in their own menu
    assert all(link in seen[chair.email] for link in CHAIR_ONLY + OVERSEER + ('href="/queue"',))
    assert not any(link in seen[reviewer.email] for link in CHAIR_ONLY + OVERSEER)
    assert 'href="/queue"' in seen[reviewer.email]
    assert all(link in seen[auditor.email] for link in OVERSEER)
    assert not any(link in seen[auditor.email] for link in CHAIR_ONLY + ('href="/queue"',))
    for public in (True, False, True):
        monkeypatch.setitem(app.config, "PUBLIC_REGISTER", public)
        visitor = _menu(client.get("/verify").get_data(as_text=True))
        assert ('href="/register"' in visitor) is public and 'href="/login"' in visitor
        assert "/dashboard" not in visitor


def test_the_menu_follows_the_language_and_the_prefix(client, make, db_session):
    first, second = make.user("chair"), make.user("chair")
    second.language = "zh-Hans"
    db_session.flush()
    login(client, first)
    english = client.get("/dashboard").get_data(as_text=True)
    prefixed = client.get("/dashboard", base_url="http://localhost/rb").get_data(as_text=True)
    assert ">Projects</a>" in _menu(english) and 'href="/projects"' in _menu(english)
    assert 'href="/rb/projects"' in _menu(prefixed) and 'href="/projects"' not in _menu(prefixed)
    assert 'href="/projects"' in _menu(client.get("/dashboard").get_data(as_text=True))
    logout(client)
    login(client, second)
    chinese = client.get("/dashboard").get_data(as_text=True)
    assert ">项目</a>" in _menu(chinese) and ">Projects</a>" not in chinese
    assert _menu(chinese).count("<li") == _menu(english).count("<li")
    assert f">{second.name}</a>" in chinese and f">{first.name}</a>" not in chinese
