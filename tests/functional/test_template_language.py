"""Templates' translated text follows the language in force at each moment of one request: the catalogue is looked
up once per request (reviewboard/i18n.catalogue), not once per string, yet force_locale (an e-mail or digest
rendered in its reader's language in the middle of a page's request) and the macros pages import without context
switch with it, and back. Escaping is jinja2.ext's: the catalogue's text is markup, its variables are escaped."""

from __future__ import annotations

from datetime import date, datetime

from flask import render_template_string
from flask_babel import force_locale, refresh

from reviewboard.core.language import current_language

PAGE = ('{% from "_macros/ui.html" import tier_badge, decision_due %}'
        '{{ _("Dashboard") }}|{{ tier_badge("high", {"high": name}) }}|{{ decision_due(stage, today) }}|'
        '{% trans who=name %}Signed in as {{ who }}{% endtrans %}')


class _Stage:
    due_at = datetime(2026, 5, 6, 12, 0)
    state = type("State", (), {"value": "in_review"})()


def _page(**values) -> str:
    return render_template_string(PAGE, stage=_Stage(), today=date(2026, 5, 4), **values)


def test_a_request_switches_language_with_force_locale_and_back(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = _page(name="<b>High</b>")
        assert english.startswith("Dashboard|")
        assert "&lt;b&gt;High&lt;/b&gt; risk" in english and "<b>" not in english  # the variable escaped
        assert 'decision due <time datetime="2026-05-06">2026-05-06</time>' in english  # the catalogue's markup kept
        assert "(in 2 days)" in english and current_language() == "en"
        with force_locale("zh_Hans"):
            chinese = _page(name="高")
            assert chinese.startswith("工作台|") and '<span class="badge bg-danger">高</span>' in chinese
            assert "还剩 2 天" in chinese and "Dashboard" not in chinese and current_language() == "zh-Hans"
            with force_locale("en"):
                assert _page(name="<b>High</b>") == english and current_language() == "en"
            assert _page(name="高") == chinese
        assert _page(name="<b>High</b>") == english and current_language() == "en"


def test_a_chinese_request_keeps_its_language_around_an_english_rendering(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = _page(name="高")
        assert chinese.startswith("工作台|") and current_language() == "zh-Hans"
        with force_locale("en"):
            assert _page(name="High").startswith("Dashboard|") and current_language() == "en"
        assert _page(name="高") == chinese and current_language() == "zh-Hans"


def test_refresh_reads_the_newly_chosen_language_in_the_same_request(app):
    with app.test_request_context(headers={"Accept-Language": "en"}) as ctx:
        assert _page(name="High").startswith("Dashboard|")
        ctx.request.environ["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
        ctx.request.__dict__.pop("accept_languages", None)  # werkzeug caches the parsed header
        refresh()  # as the profile page does after a person chooses their language
        assert _page(name="高").startswith("工作台|") and current_language() == "zh-Hans"


def test_a_text_template_is_not_escaped_and_reads_percent_signs_as_jinja_does(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = ('{% autoescape false %}{% trans who=name %}Signed in as {{ who }}{% endtrans %}|{{ _("100%%") }}'
                '{% endautoescape %}')  # as an e-mail's text part is rendered
        assert render_template_string(text, name="<b>Ann</b>") == "Signed in as <b>Ann</b>|100%"
        assert render_template_string('{{ _("100%%") }}|{{ _("a < b") }}') == "100%|a < b"  # markup, as shipped
