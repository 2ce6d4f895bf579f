"""A status reason is stored in English from its form and read back by the same form: every form gives its parts
back, so a page can word any stored reason in the reader's language."""

import pytest

from reviewboard.certificates import reason_forms
from reviewboard.certificates.reasons import _FORMS

PARTS = {"stage": "Design (v2): data", "date": "2026-03-01", "text": "Publish the model card.", "state": "in review",
         "id": "RB-CERT-7", "title": "Wrong answers: 3 (of 10)", "name": "Ada Chair", "reason": "Misuse: repeated."}


@pytest.mark.parametrize("form", reason_forms.FORMS)
def test_a_stored_reason_is_read_back_into_its_parts_by_its_own_form(form):
    names = {name for name in PARTS if f"%({name})s" in form}
    stored = reason_forms.english(form, **{name: PARTS[name] for name in names})
    matched = next((message, found) for pattern, message in _FORMS if (found := pattern.fullmatch(stored)))
    assert matched[0] == form, (stored, matched[0])
    assert matched[1].groupdict() == {name: PARTS[name] for name in names}
