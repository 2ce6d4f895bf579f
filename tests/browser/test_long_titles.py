"""A long Chinese project title, one run of characters with no space, wraps on the stage page instead of running
off the screen: at 1280 px and at a phone's 390 px, every place the page shows the title stays inside the window,
spans more than one line (so nothing is cut off with an ellipsis), and the page never scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import PHONE, VIEWPORT
from tests.browser.test_flows import heading, high_risk_project, sign_in
from tests.browser.test_phone_width import scrolls_sideways
from tests.browser.tongues import CHINESE

pytestmark = pytest.mark.browser

# 96 characters without a space: wider than the page's column at 1280 px (about 60 characters fit a line there)
LONG_TITLE = ("面向城市公共服务热线的多模态大模型智能客服与工单自动分派及风险预警一体化辅助决策系统"
              "在全市十六个区县政务服务中心开展的第二期扩大试点与伦理审查配套改造项目")

# Each text that is the title, as laid out: the line boxes of its characters (a Range's rectangles, one or more a
# line), and the window's width. A title clipped by its box still lays out past the window, so it is caught too.
_TITLE_LINES = """title => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const places = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.includes(title) || !node.parentElement.checkVisibility()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    places.push({tag: node.parentElement.tagName, tops: [...new Set(rects.map(r => Math.round(r.top)))].length,
                 left: Math.min(...rects.map(r => r.left)), right: Math.max(...rects.map(r => r.right))});
  }
  return {width: document.documentElement.clientWidth, places};
}"""


def title_lines(page: Page) -> list[dict]:
    """Each place the page shows LONG_TITLE: its element's tag, how many lines it takes, its leftmost and
    rightmost points, and the window's width."""
    page.wait_for_load_state("load")
    found = page.evaluate(_TITLE_LINES, LONG_TITLE)
    return [{**place, "window": found["width"]} for place in found["places"]]


def test_a_long_chinese_title_wraps_on_the_stage_page_at_desktop_and_phone_width(live_server, new_page, shot):
    owner = live_server.add_user("周婷", "submitter", language=CHINESE.code)
    _, stage_id = high_risk_project(live_server, owner, name=LONG_TITLE)

    for name, viewport in (("desktop", VIEWPORT), ("phone", PHONE)):
        page = new_page(viewport=viewport, locale=CHINESE.browser_locale)
        sign_in(page, owner, CHINESE, LONG_TITLE)
        page.goto(f"/stages/{stage_id}")
        assert heading(page).is_visible()
        places = title_lines(page)
        assert places, "the stage page shows the project's title"
        for place in places:
            assert place["tops"] > 1, f"the {place['tag']} shows the title on one line at {name} width: cut off"
            assert place["left"] >= 0 and place["right"] <= place["window"] + 0.5, \
                f"the {place['tag']} runs past the window's edge at {name} width: {place}"
        assert not scrolls_sideways(page), f"the stage page scrolls sideways at {name} width"
        shot(page, f"long-title-{name}")
