"""Every HTML page a signed-in person can open meets the basics a screen-reader or keyboard user relies on:
a language, one main heading, a label for every form control, text on every button, alt text on images and
ids that are unique (labels and error messages point at them). Checked on the pages of the access matrix,
as the project's owner, a reviewer who has declared no conflict, and a chair."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.functional.test_permissions import ROUTES, world  # noqa: F401  (fixture)
from tests.support.http import declare_no_conflict, login

UNLABELLED_OK = {"hidden", "submit", "button", "reset", "image"}


class PageFacts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []  # form controls that need a label
        self.images_without_alt: list[str] = []
        self.buttons: list[dict] = []
        self._label_depth = 0
        self._button = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and (a.get("type") or "text") in UNLABELLED_OK:
                if a.get("type") in ("submit", "button", "reset") and not (a.get("value") or a.get("aria-label")):
                    self.buttons.append({"tag": "input", "text": "", **a})
                return
            self.controls.append({"tag": tag, "wrapped": self._label_depth > 0, **a})
        elif tag == "img" and a.get("alt") is None:
            self.images_without_alt.append(a.get("src", "?"))
        elif tag == "button":
            self._button = {"tag": "button", "text": "", **a}

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        elif tag == "button" and self._button is not None:
            self.buttons.append(self._button)
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data.strip()


def problems(html: str) -> list[str]:
    facts = PageFacts()
    facts.feed(html)
    found = []
    if not facts.lang:
        found.append("<html> has no lang")
    if facts.h1 != 1:
        found.append(f"{facts.h1} <h1> elements (want exactly one)")
    duplicates = sorted({i for i in facts.ids if facts.ids.count(i) > 1})
    if duplicates:
        found.append(f"duplicate ids: {duplicates}")
    for c in facts.controls:
        named = (c.get("id") in facts.label_for or c["wrapped"] or c.get("aria-label")
                 or c.get("aria-labelledby") or c.get("title"))
        if not named:
            found.append(f"unlabelled <{c['tag']} name={c.get('name')!r} id={c.get('id')!r}>")
    for b in facts.buttons:
        if not (b["text"] or b.get("aria-label") or b.get("title")):
            found.append(f"button without text: {b}")
    found += [f"<img src={src!r}> has no alt" for src in facts.images_without_alt]
    return found


@pytest.mark.parametrize("role", ["owner", "reviewer", "chair"])
def test_every_page_has_a_language_one_h1_labelled_controls_and_unique_ids(client, world, role):  # noqa: F811
    ids = world["ids"]  # a stage in review (with the review form), a decided one with its record and condition
    login(client, world["people"][role])
    if role == "reviewer":
        declare_no_conflict(client, ids["stage"])
    paths = [p.format(**ids) for p in ROUTES.values()] + [
        f"/stages/{ids['decided stage']}", f"/projects/{ids['decided project']}",
        f"/projects/{ids['decided project']}/conditions"]
    checked, failures = 0, {}
    for path in paths:
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        checked += 1
        found = problems(response.get_data(as_text=True))
        if found:
            failures[path] = found
    assert checked >= 15, f"only {checked} pages were checked"
    assert failures == {}


def test_the_checker_finds_what_it_looks_for():
    bad = ('<html><body><h1>A</h1><h1>B</h1><input name="q" id="q"><select name="s"></select>'
           '<button></button><img src="x.png"><p id="d"></p><p id="d"></p></body></html>')
    found = " | ".join(problems(bad))
    for expected in ("no lang", "2 <h1>", "duplicate ids: ['d']", "unlabelled <input name='q'",
                     "unlabelled <select name='s'", "button without text", "has no alt"):
        assert expected in found
    good = ('<html lang="en"><body><h1>A</h1><label for="q">Search</label><input name="q" id="q">'
            '<label>Stage <select name="s"></select></label><button>Go</button><img src="x.png" alt=""></body></html>')
    assert problems(good) == []
