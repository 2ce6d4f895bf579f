"""The English-leak check the Chinese walks rely on (tests/browser/tongues.py), without a browser: it finds an
English word among Chinese, and leaves out codes, digests, file names, addresses, dates and what people typed."""

from __future__ import annotations

from tests.browser import tongues
from tests.browser.tongues import CHINESE, english_lines, pending_reasons


def test_an_english_word_on_a_chinese_page_is_found_and_codes_are_not():
    page = "\n".join([
        "待审队列",
        "第 1 轮 · 孙晓梅 于 2026年11月30日 10:15 UTC 提交",
        "审查记录 RB-000002-DES v1（PDF） · SHA-256 7c680e4a1169e6981698b18b1b4770958dda9908824c4bcf62cb00a65a2253ab",
        "已将 impact-assessment.md 附加至 RB-DES-01。目录 TC260 · sam.1@example.test · /verify",
        "签名者 CN=Test Organisation record seal,O=Test Organisation",
        "Loan pre-screening assistant",
        "提交阶段以供 review",
    ])
    assert english_lines(page, ("Loan pre-screening assistant",)) == ["提交阶段以供 review"]
    assert english_lines("Design审查 草稿") == ["Design审查 草稿"]


def test_pending_text_explains_a_leak_only_when_nothing_else_is_english(monkeypatch):
    # PENDING is empty now that everything is translated; a change that is still translating lists its phrases
    monkeypatch.setitem(tongues.PENDING, "role titles (being translated)", lambda: ("Ethics reviewer",))
    tongues._pending_phrases.cache_clear()
    try:
        assert pending_reasons("（Ethics reviewer）签名有效") == ["role titles (being translated)"]
        assert pending_reasons("（Ethics reviewer）valid") is None  # the rest is not pending: it fails
    finally:
        tongues._pending_phrases.cache_clear()


def test_a_chinese_walk_reads_the_chinese_of_a_message_and_its_values():
    assert CHINESE.t("Verdict on %(code)s", code="RB-DES-01") == "对 RB-DES-01 的结论"
    assert CHINESE.pattern("%(stage)s review", stage=CHINESE.stage("Design")).search("设计审查 草稿")
    assert CHINESE.opening("<strong>Round %(n)s</strong> · submitted %(at)s by %(name)s", n=1, name="孙晓梅") == \
        "第 1 轮 · 孙晓梅 于"
