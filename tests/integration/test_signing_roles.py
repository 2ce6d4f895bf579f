"""Each signature names the role its signer acted in (chair, the required expertise they bring, an external
reviewer, a delegate of someone), in the sign-off, on the stage page, and in the record and its JSON."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import select

from reviewboard.committee import services as committee
from reviewboard.records.models import Record
from reviewboard.records.signing import extract_embedded_record
from reviewboard.reviews import services as reviews
from reviewboard.reviews.signatures import check_signoff
from reviewboard.reviews.workflow import StageState
from tests.support.http import declare_no_conflict, login


def _reviewer(make, *roles, name=None, expertise=()):
    person = make.user("reviewer", *roles, name=name)
    person.expertise = list(expertise)
    make.session.flush()  # pages are served from their own session
    return person


def _signed(make, stage, signer):
    make.declare(signer, stage)
    return make.sign(signer, stage)


@pytest.mark.parametrize(("roles", "expertise", "required", "title"), [
    ((), (), [], "Ethics reviewer"),
    (("chair",), (), [], "Committee chair"),
    ((), ("external",), [], "External reviewer"),
    ((), ("legal", "privacy"), [{"expertise": "legal"}], "Legal reviewer"),
    ((), ("legal",), [], "Ethics reviewer"),  # an expertise the stage does not ask for is not a role here
    ((), ("legal", "privacy"), [{"expertise": "privacy"}, {"expertise": "legal"}], "Privacy and legal reviewer"),
    (("chair",), ("legal",), [{"expertise": "legal"}], "Committee chair and legal reviewer"),
], ids=["reviewer", "chair", "external", "legal-required", "legal-not-required", "two-required", "chair-legal"])
def test_the_signature_names_the_role_the_signer_acted_in(make, db_session, issued_records, roles, expertise,
                                                            required, title):
    stage = make.submitted_stage()
    stage.pipeline_stage.required_roles = required
    db_session.flush()
    signoff = _signed(make, stage, _reviewer(make, *roles, expertise=expertise))
    assert signoff.role_title == title
    assert signoff.meaning == f"Approved as {title[0].lower()}{title[1:]}, stage Design"
    assert check_signoff(signoff).valid


def test_a_delegate_signs_as_delegate_of_the_away_reviewer(make, db_session, issued_records):
    stage = make.submitted_stage()
    away = _reviewer(make, name="Ava Away", expertise=["external"])
    chair = make.user("chair")
    reviews.assign_reviewer(chair, stage, away)
    delegate = _reviewer(make, name="Dan Delegate")
    make.delegation(away, delegate)
    assert committee.signing_role(delegate, stage) == "Ethics reviewer"  # in their own right
    signoff = _signed(make, stage, delegate)
    assert signoff.role_title == "Delegate of Ava Away"
    assert signoff.meaning == "Approved as delegate of Ava Away, stage Design"


def test_the_sign_form_says_which_role_the_signature_will_state(client, make, db_session):
    stage = make.submitted_stage()
    external = _reviewer(make, expertise=["external"])
    login(client, external)
    declare_no_conflict(client, stage.id)
    page = " ".join(client.get(f"/stages/{stage.id}").get_data(as_text=True).split())
    assert "the role you act in (<strong>External reviewer</strong>)" in page
    assert "“Approved as external reviewer, stage Design”" in page


@pytest.mark.real_records
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext is not installed (poppler-utils)")
def test_page_record_and_embedded_json_name_the_chair_the_external_reviewer_and_the_delegate(client, make,
                                                                                             db_session):
    chair = _reviewer(make, "chair", name="Chen Chair")
    external = _reviewer(make, name="Eva External", expertise=["external"])
    first = make.submitted_stage()
    for signer in (chair, external):
        _signed(make, first, signer)
    second = make.submitted_stage()
    away, present = _reviewer(make, name="Ava Away"), _reviewer(make, name="Pia Present")
    for person in (away, present):
        reviews.assign_reviewer(chair, second, person)
    delegate = _reviewer(make, name="Dan Delegate")
    make.delegation(away, delegate)
    for signer in (delegate, present):
        _signed(make, second, signer)
    assert first.state == second.state == StageState.APPROVED

    expected = {
        first.id: {"Chen Chair": "Committee chair", "Eva External": "External reviewer"},
        second.id: {"Dan Delegate": "Delegate of Ava Away", "Pia Present": "Ethics reviewer"},
    }
    login(client, chair)
    for stage_id, roles in expected.items():
        page = " ".join(client.get(f"/stages/{stage_id}").get_data(as_text=True).split())
        record = db_session.scalar(select(Record).where(Record.stage_review_id == stage_id))
        embedded = extract_embedded_record(record.pdf)
        by_name = {s["name"]: s for s in embedded["signatures"]}
        text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=record.pdf,
                                       capture_output=True, check=True).stdout.decode().split())
        for name, role in roles.items():
            meaning = f"Approved as {role[0].lower()}{role[1:]}, stage Design"
            assert f"<strong>{name}</strong> ({role})" in page and f"“{meaning}”" in page
            assert by_name[name]["role"] == role and by_name[name]["meaning"] == meaning
            assert meaning in text and role in text
