"""The sealed record is a tagged PDF (PDF/UA-1 alongside PDF/A-3b): a screen reader gets its structure."""

from __future__ import annotations

from collections import Counter
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from reviewboard.records.signing import verify_pdf
from tests.records.test_pdf_signing import q, xmp_values

PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}part"


def structure_elements(pdf: bytes) -> list:
    """Every structure element of the document's structure tree (dictionaries with /S, /K, /A ...)."""
    root = PdfFileReader(BytesIO(pdf), strict=False).root
    found = []
    stack = [root["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        if isinstance(node, generic.IndirectObject):
            node = node.get_object()
        if isinstance(node, generic.ArrayObject):
            stack.extend(node)
        elif isinstance(node, generic.DictionaryObject):
            if node.get("/Type") == "/StructElem":
                found.append(node)
            if "/K" in node and node.get("/Type") != "/OBJR":
                stack.append(node.raw_get("/K"))
    return found


def structure_types(pdf: bytes) -> Counter:
    """How often each structure type (/H1, /TH ...) occurs in the document's structure tree."""
    return Counter(str(element["/S"]) for element in structure_elements(pdf))


def test_the_signed_record_has_a_structure_tree_with_headings_and_table_headers(signed_pdf, key_pair):
    root = PdfFileReader(BytesIO(signed_pdf), strict=False).root
    types = structure_types(signed_pdf)

    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "en"
    assert root["/MarkInfo"]["/Marked"] == generic.BooleanObject(True)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == generic.BooleanObject(True)
    assert types["/Document"] == 1
    assert types["/H1"] == 1  # "Ethical review record"
    assert types["/H2"] >= 8  # the numbered sections
    assert types["/Table"] >= 5 and types["/TH"] >= 20 and types["/TD"] >= 20
    assert verify_pdf(signed_pdf, [key_pair[1]]).ok  # the seal still covers the tagged file


def test_every_table_cell_names_its_headers(signed_pdf):
    """A screen reader announces a cell with its row or column header: each TD lists the IDs of its THs
    (the label column of the key-value tables is marked scope="row"), and each TH has its /Scope (PDF/UA-1,
    Matterhorn 15-003): Column in a table head, Row elsewhere."""
    elements = structure_elements(signed_pdf)
    headers = [e for e in elements if str(e["/S"]) == "/TH"]
    header_ids = {str(e["/ID"]) for e in headers}
    cells = [e for e in elements if str(e["/S"]) == "/TD"]
    scopes = Counter((str(e["/P"]["/P"]["/S"]), str(e["/A"].get("/Scope"))) for e in headers)
    assert set(scopes) == {("/THead", "/Column"), ("/TBody", "/Row")}, scopes

    assert cells
    unlabelled = [e for e in cells if not list(e["/A"].get("/Headers", []))]
    assert unlabelled == [], f"{len(unlabelled)} of {len(cells)} cells have no header"
    assert all(str(h) in header_ids for e in cells for h in e["/A"]["/Headers"])


def test_the_record_claims_pdf_ua_1_and_still_pdf_a_3b(signed_pdf):
    xmp = xmp_values(signed_pdf)

    assert xmp[PDFUAID] == "1"
    assert (xmp[q("pdfaid", "part")], xmp[q("pdfaid", "conformance")]) == ("3", "B")
    # PDF/A allows a property outside its predefined schemas only with an extension schema describing it
    packet = PdfFileReader(BytesIO(signed_pdf)).root["/Metadata"].data.decode()
    assert "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>" in packet
