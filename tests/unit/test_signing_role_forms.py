"""A signature's role is composed and read back by one form (committee/signing_roles.py): every role a signer can
sign in reads back into the parts it was composed from, and a title in any other form reads as none."""

from __future__ import annotations

from itertools import combinations

import pytest

from reviewboard.committee.signing_roles import delegate_title, role_parts, role_title
from reviewboard.pipelines.labels import EXPERTISE_NAMES


@pytest.mark.parametrize("chair", [True, False])
def test_every_role_a_signer_can_sign_in_reads_back_into_its_parts(chair):
    known = list(EXPERTISE_NAMES)
    for count in range(len(known) + 1):
        for expertise in combinations(known, count):
            title = role_title(chair, list(expertise))
            # the reviewer's own title reads as no expertise, though "ethics" is an expertise too
            expected = (chair, []) if expertise == ("ethics",) and not chair else (chair, list(expertise))
            assert role_parts(title, known) == expected, title


def test_titles_in_another_form_read_as_none():
    assert role_title(True, ["legal", "privacy"]) == "Committee chair and legal and privacy reviewer"
    assert role_title(False, ["legal", "privacy", "external"]) == "Legal, privacy and external reviewer"
    for title in ("Honorary reviewer", "Legal, privacy reviewer", "Committee chair and honorary reviewer",
                  "legal reviewer", delegate_title("Ava Away"), ""):
        assert role_parts(title, list(EXPERTISE_NAMES)) is None, title
