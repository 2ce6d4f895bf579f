"""Records in the reader's language: a record issued in Simplified Chinese and one in both languages, rendered
and sealed for real. Checks what an auditor relies on: the exact characters come back out (pdftotext), every
font is embedded and the Chinese is set in Noto Sans CJK SC (pdffonts), every character of user text in any
script has a glyph in an embedded font (the fonts' own cmaps: pdftotext alone would pass with missing
glyphs), a long Chinese title wraps inside the page, the JSON carries both texts, and the seal verifies."""

from __future__ import annotations

import copy
import re
import subprocess
import unicodedata
from io import BytesIO

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from reviewboard.records.labels import COMPUTED, RECORD_PARTS, extract_record_labels, label, zh_hans
from reviewboard.records.pdf import content_hash, render_record_pdf
from reviewboard.records.signing import extract_embedded_record, sign_pdf, verify_pdf
from tests.records.conftest import REPO_ROOT, build_record
from tests.records.test_pdf_signing import need, pdf_text, q, run_tool, squash, xmp_values

pytestmark = pytest.mark.real_records

LONG_TITLE = "面向城市公共服务的多模态大模型智能问答与风险分级分类管理系统试点项目第二期伦理审查与可追溯性评估"
USER_TEXT = {  # one user field per script: Chinese, Arabic, emoji (and Latin with diacritics)
    "zh": "训练数据的来源已逐一记录，可追溯至采集日期。",
    "ar": "تمت مراجعة البيانات",
    "emoji": "审查通过 ✅ 🎉",
    "latin": "Zoë Łukasz",
}


def _bilingual(language: str) -> dict:
    record = copy.deepcopy(build_record())
    record["language"] = language
    record["project"]["name"] = LONG_TITLE
    record["project"]["purpose"] = USER_TEXT["zh"]
    record["project"]["intended_users"] = USER_TEXT["latin"]
    record["stage"]["translations"] = {"zh-Hans": {"name": "测试"}}
    record["catalog"]["translations"] = {"zh-Hans": {"name": "ReviewBoard 生命周期审查准则"}}
    first, second = record["criteria"]
    first["translations"] = {"zh-Hans": {"title": "不同用户群体间的偏见测试",
                                         "question": "是否分别衡量了每个相关用户群体的表现？"}}
    second["translations"] = {"zh-Hans": {"title": "人工否决经过测试", "question": "测试中是否演练了人工否决路径？"}}
    first["verdicts"][0]["rationale"] = USER_TEXT["ar"]
    first["verdicts"][1]["rationale"] = USER_TEXT["emoji"]
    record["content_sha256"] = content_hash(record)
    return record


@pytest.fixture(scope="module")
def issued(app, signer) -> dict[str, tuple[dict, bytes]]:
    """A zh-Hans record and a bilingual one, each rendered and sealed once for the module."""
    out = {}
    with app.app_context():
        for language in ("zh-Hans", "both"):
            record = _bilingual(language)
            out[language] = record, sign_pdf(render_record_pdf(record), signer, reason="Record")
    return out


def _embedded_fonts(pdf: bytes) -> dict[str, TTFont]:
    """Every embedded font program of the PDF by its base font name, read with fontTools."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    fonts = {}
    for page in reader.root["/Pages"]["/Kids"]:
        for font in page.get_object()["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
            for key in ("/FontFile2", "/FontFile3"):
                if key in descriptor:
                    fonts[str(font["/BaseFont"])] = TTFont(BytesIO(descriptor[key].get_object().data))
    return fonts


@pytest.mark.parametrize("language", ["zh-Hans", "both"])
def test_the_chinese_comes_back_out_exactly_and_every_font_is_embedded_with_the_sc_face(issued, language,
                                                                                       tmp_path):
    record, pdf = issued[language]
    text = squash(pdf_text(tmp_path, pdf))
    for expected in ("伦理审查记录", "1.项目", "3.审查准则", "不同用户群体间的偏见测试", "测试", "批准",
                     "利益冲突声明", "该系统没有报告任何事件。",  # the parts included from committee/, incidents/
                     "是否分别衡量了每个相关用户群体的表现？", LONG_TITLE, USER_TEXT["zh"], "ZoëŁukasz"):
        assert squash(expected) in text, expected
    english = ("Ethical review record", "Bias testing across user groups")
    assert all(squash(e) in text for e in english) == (language == "both")

    fonts = run_tool(tmp_path, "pdffonts", pdf)
    assert fonts.returncode == 0, fonts.stderr
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts.stdout  # every font embedded
    names = [row.split()[0].split("+", 1)[-1] for row in rows]
    assert "Noto-Sans-CJK-SC" in names, names
    assert not [n for n in names if re.search(r"CJK-(JP|KR|TC|HK)", n)], names  # the SC face, chosen


@pytest.mark.parametrize("language", ["zh-Hans", "both"])
def test_user_text_in_any_script_has_a_glyph_in_the_embedded_fonts(issued, language):
    _, pdf = issued[language]
    fonts = _embedded_fonts(pdf)
    drawn = set().union(*(font.getBestCmap() for font in fonts.values()))
    # Arabic is shaped: its letters are drawn with the glyphs of their contextual forms (U+FExx), which the
    # font's cmap lists under those compatibility code points
    covered = {chr(c) for c in drawn} | {unicodedata.normalize("NFKC", chr(c)) for c in drawn}
    chinese = next(font for name, font in fonts.items() if name.endswith("Noto-Sans-CJK-SC")).getBestCmap()
    for value in (*USER_TEXT.values(), LONG_TITLE):
        missing = [ch for ch in value if not ch.isspace() and ch not in covered]
        assert not missing, f"no glyph for {missing!r} in {sorted(fonts)}"
    assert all(ord(ch) in chinese for ch in LONG_TITLE + USER_TEXT["zh"])


def test_a_long_chinese_title_wraps_inside_the_page(issued, tmp_path):
    _, pdf = issued["zh-Hans"]
    target = tmp_path / "bbox.pdf"
    target.write_bytes(pdf)
    page = subprocess.run([need("pdftotext"), "-f", "1", "-l", "1", "-bbox-layout", str(target), "-"],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', page)[1])
    right_margin = 18 / 25.4 * 72
    lines = re.findall(r'<line xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</line>', page, re.S)
    assert lines and max(float(x) for x, _ in lines) <= width - right_margin + 1  # nothing past the margin
    words = ["".join(re.findall(r">([^<]*)</word>", body)) for _, body in lines]
    title_lines = [w for w in words if w and w in LONG_TITLE]
    assert len(title_lines) >= 2 and "".join(title_lines).startswith(LONG_TITLE[:10]), words[:12]


@pytest.mark.parametrize("language", ["zh-Hans", "both"])
def test_the_json_carries_both_texts_the_seal_verifies_and_the_file_stays_pdf_a_3b(issued, language, key_pair):
    record, pdf = issued[language]
    embedded = extract_embedded_record(pdf)
    assert embedded == record and embedded["language"] == language
    assert embedded["criteria"][0]["title"] == "Bias testing across user groups"
    assert embedded["criteria"][0]["translations"]["zh-Hans"]["title"] == "不同用户群体间的偏见测试"
    check = verify_pdf(pdf, [key_pair[1]])
    assert check.ok and check.covers_whole_file, check.reason
    xmp = xmp_values(pdf)
    assert (xmp[q("pdfaid", "part")], xmp[q("pdfaid", "conformance")]) == ("3", "B")


def test_every_label_the_template_prints_has_its_chinese_and_keeps_its_english():
    """The labels come from the catalog (context "record"): none prints its English in a Chinese record, English
    prints each unchanged, and the record keeps its own wording where a page words the same English otherwise."""
    used = set()
    for template in ("records/pdf/record.html", *RECORD_PARTS):
        with (REPO_ROOT / "templates" / template).open("rb") as fh:
            used |= {message[1] for _line, _function, message, _comments in extract_record_labels(fh, (), (), {})}
    assert len(used) > 100 and set(COMPUTED) <= used and {"8. Integrity", "No conflict of interest"} <= used
    assert sorted(e for e in used if zh_hans(e) == e) == []
    assert all(label(e, "en") == e for e in used)
    assert (zh_hans("Name"), zh_hans("From"), zh_hans("Approved")) == ("名称", "来自", "批准")  # pages: 姓名, 起始日期


def test_the_record_fonts_are_installed_by_the_setup():
    deps = (REPO_ROOT / ".ci/system-deps").read_text()
    assert all(package in deps for package in ("fonts-noto-cjk", "fonts-noto-core", "fonts-noto-color-emoji"))
