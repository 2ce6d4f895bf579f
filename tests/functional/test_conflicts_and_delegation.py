"""Committee screens over HTTP with CSRF on: the declaration step before a reviewer sees a submission,
recusal, "Propose reviewers" and "My delegations"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewboard.committee.models import ConflictDeclaration, Delegation
from reviewboard.models.base import utcnow
from reviewboard.reviews import lifecycle
from reviewboard.reviews import services as reviews
from reviewboard.reviews.models import Verdict
from tests.support.factories import PASSWORD
from tests.support.http import declare_no_conflict, login, post_form

SECRET = "Operational details nobody conflicted may read"


@pytest.fixture()
def stage(make):

    project = make.project(name="Harbour Pilot Scheduler")
    stage = project.stages[0]
    make.evidence(stage, filename="secret.md", data=f"# {SECRET}\n".encode())
    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    return stage


def _review_data(stage, **extra):
    data = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
    data.update(extra)
    return data


def test_a_reviewer_sees_only_the_declaration_form_and_no_evidence_until_they_declare(client, make, stage):
    reviewer = make.user("reviewer")
    login(client, reviewer)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "Declare any conflict of interest" in page
    assert "secret.md" not in page and "Your decision" not in page and 'name="v_' not in page
    evidence = stage.evidence[-1]
    assert client.get(f"/evidence/{evidence.id}").status_code == 403
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/review",
                         _review_data(stage, save="Save verdicts"))
    assert response.status_code == 403

    declare_no_conflict(client, stage.id)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "Declare any conflict of interest" not in page
    assert "secret.md" in page and "Your decision" in page
    response = client.get(f"/evidence/{evidence.id}")
    assert response.status_code == 200 and SECRET.encode() in response.data
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/review",
                         _review_data(stage, save="Save verdicts"))
    assert response.status_code == 302


def test_a_declared_conflict_recuses_the_reviewer_and_keeps_the_submission_hidden(client, make, stage, db_session):
    reviewer = make.user("reviewer")
    login(client, reviewer)
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/declaration",
                         {"conflict": "yes", "nature": ""})
    assert response.status_code == 422
    assert "Say what the conflict is" in response.get_data(as_text=True)
    assert db_session.scalars(select(ConflictDeclaration)).all() == []

    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/declaration",
                         {"conflict": "yes", "nature": "I reviewed the vendor's bid"})
    assert response.status_code == 302
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "You are recused from this round" in page and "I reviewed the vendor&#39;s bid" in page
    assert "secret.md" not in page and "Your decision" not in page
    assert client.get(f"/evidence/{stage.evidence[-1].id}").status_code == 403
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/review",
                         _review_data(stage, outcome="approve", password=PASSWORD, email=reviewer.email,
                                      sign="Sign decision"))
    assert response.status_code == 403
    assert db_session.scalars(select(Verdict)).all() == []
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/declaration", {"conflict": "no"})
    assert response.status_code == 302  # declared already: nothing changes
    assert db_session.scalar(select(ConflictDeclaration.has_conflict)) is True


def test_chairs_see_the_recusal_on_the_stage_and_the_dashboard_and_propose_a_replacement(client, make, stage,
                                                                                          db_session):
    a, b = make.user("reviewer", name="Ann Recused"), make.user("reviewer", name="Ben Present")
    chair = make.user("chair")
    reviews.assign_reviewer(chair, stage, a)
    reviews.assign_reviewer(chair, stage, b)
    make.declare(a, stage, "Former colleague of the owner")
    spare = make.user("reviewer", name="Zed Spare")
    login(client, chair)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Recusals needing a replacement" in dashboard and "Harbour Pilot Scheduler" in dashboard
    assert "Ann Recused" in dashboard
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "a chair must assign a replacement" in page and "Ann Recused recused" in page
    assert "Former colleague of the owner" in page  # the committee sees the declarations

    proposal = client.get(f"/stages/{stage.id}/proposal")
    assert proposal.status_code == 200
    html = proposal.get_data(as_text=True)
    assert "Ann Recused" not in html and "Ben Present" not in html  # recused or already assigned
    assert f'value="{spare.id}"' in html
    response = post_form(client, f"/stages/{stage.id}/proposal", f"/stages/{stage.id}/proposal",
                         {"reviewer_ids": [str(spare.id)]})
    assert response.headers["Location"] == f"/stages/{stage.id}"
    db_session.expire_all()
    assert spare.id in stage.assigned_reviewer_ids
    assert "No recusal is holding up a review" in client.get("/dashboard").get_data(as_text=True)


def test_a_reviewer_cannot_confirm_a_proposal_and_posts_need_the_csrf_token(client, make, stage, db_session):
    reviewer = make.user("reviewer")
    login(client, reviewer)
    response = post_form(client, "/dashboard", f"/stages/{stage.id}/proposal", {"reviewer_ids": [str(reviewer.id)]})
    assert response.status_code == 403
    db_session.expire_all()
    assert stage.assigned_reviewer_ids == set()
    for path, data in ((f"/stages/{stage.id}/declaration", {"conflict": "no"}),
                       (f"/stages/{stage.id}/proposal", {"reviewer_ids": [str(reviewer.id)]}),
                       ("/account/delegations", {"delegate_id": "1"}), ("/delegations/1/revoke", {})):
        assert client.post(path, data=data).status_code == 400, path


def test_a_reviewer_delegates_from_my_delegations_and_revokes(client, make, db_session):
    reviewer = make.user("reviewer", name="Vera Away")
    delegate = make.user("reviewer", name="Dora Delegate")
    login(client, reviewer)
    page = client.get("/account/delegations").get_data(as_text=True)
    assert "You have not delegated your reviews" in page and "Dora Delegate" in page
    today = utcnow().date()
    bad = {"delegate_id": str(delegate.id), "starts_on": today.isoformat(),
           "ends_on": (today - timedelta(days=1)).isoformat()}
    response = post_form(client, "/account/delegations", "/account/delegations", bad)
    assert response.status_code == 422 and "end on or after" in response.get_data(as_text=True)
    good = {**bad, "ends_on": (today + timedelta(days=10)).isoformat(), "reason": "Parental leave"}
    response = post_form(client, "/account/delegations", "/account/delegations", good)
    assert response.status_code == 302
    delegation = db_session.scalars(select(Delegation)).one()
    assert (delegation.delegate_id, delegation.reason) == (delegate.id, "Parental leave")
    page = client.get("/account/delegations").get_data(as_text=True)
    assert "Parental leave" in page and "Revoke" in page
    response = post_form(client, "/account/delegations", f"/delegations/{delegation.id}/revoke", {})
    assert response.status_code == 302
    db_session.refresh(delegation)
    assert delegation.revoked_at is not None


def test_nobody_else_revokes_a_delegation(client, make, db_session):
    reviewer, delegate = make.user("reviewer"), make.user("reviewer")
    delegation = make.delegation(reviewer, delegate)
    login(client, delegate)
    response = post_form(client, "/account/delegations", f"/delegations/{delegation.id}/revoke", {})
    assert response.status_code == 404
    db_session.refresh(delegation)
    assert delegation.revoked_at is None


def test_a_delegate_signs_and_the_stage_page_says_on_behalf_of_whom(client, make, stage, db_session):
    away, present = make.user("reviewer", name="Ava Away"), make.user("reviewer", name="Pia Present")
    delegate = make.user("reviewer", name="Dan Delegate")
    chair = make.user("chair")
    reviews.assign_reviewer(chair, stage, away)
    reviews.assign_reviewer(chair, stage, present)
    make.delegation(away, delegate)
    login(client, delegate)
    declare_no_conflict(client, stage.id)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "You are acting on behalf of <strong>Ava Away</strong>" in page
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/review",
                         _review_data(stage, outcome="approve", password=PASSWORD, email=delegate.email,
                                      sign="Sign decision"))
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "Dan Delegate</strong> on behalf of Ava Away" in page  # the verdicts
    assert "Approved as delegate of Ava Away, stage Design" in page  # the signature's meaning


def test_a_chair_records_a_reviewers_expertise_on_the_people_page(client, make, db_session):
    reviewer = make.user("reviewer", name="Lena Lawyer")
    login(client, make.user("chair"))
    page = client.get("/admin/users").get_data(as_text=True)
    assert f'id="x-{reviewer.id}-legal"' in page
    response = post_form(client, "/admin/users", f"/admin/users/{reviewer.id}/expertise",
                         {"expertise": ["legal", "privacy"]})
    assert response.status_code == 302
    db_session.refresh(reviewer)
    assert reviewer.expertise == ["legal", "privacy"]
    response = post_form(client, "/admin/users", f"/admin/users/{reviewer.id}/expertise", {"expertise": ["astrology"]})
    assert response.status_code == 400  # not one of the offered choices
    db_session.refresh(reviewer)
    assert reviewer.expertise == ["legal", "privacy"]


def test_only_a_chair_records_expertise(client, make, db_session):
    reviewer = make.user("reviewer")
    login(client, reviewer)
    response = post_form(client, "/dashboard", f"/admin/users/{reviewer.id}/expertise", {"expertise": ["legal"]})
    assert response.status_code == 403
    db_session.refresh(reviewer)
    assert reviewer.expertise == []


def test_the_stage_page_says_what_an_approval_still_waits_for(client, make, stage, db_session):
    stage.pipeline_stage.required_roles = [{"expertise": "legal"}]
    for chair in (make.user("reviewer", "chair"), make.user("reviewer", "chair")):
        make.sign(chair, stage)
    db_session.expire_all()
    assert stage.state.value == "in_review"
    login(client, make.user("chair"))
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "the approval awaits" in page
    assert "a reviewer who is not a chair (a chair cannot approve alone)" in page
    assert "a signer with the required expertise: legal" in page
    assert "still missing: legal" in page


def test_a_reviewer_declares_a_conflict_found_after_declaring_none(client, make, stage, db_session):
    reviewer = make.user("reviewer")
    login(client, reviewer)
    declare_no_conflict(client, stage.id)
    page_url = f"/stages/{stage.id}"
    saved = post_form(client, page_url, f"{page_url}/review", _review_data(stage, save="Save verdicts"))
    assert saved.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "I have found a conflict of interest since I declared none" in page

    # without its token: refused, nothing changes
    response = client.post(f"{page_url}/declaration/conflict", data={"nature": "I know the team."})
    assert response.status_code == 400
    [declared] = db_session.scalars(select(ConflictDeclaration)).all()
    assert not declared.has_conflict
    # without a nature: refused beside the field, the rest of the page intact
    response = post_form(client, page_url, f"{page_url}/declaration/conflict", {"nature": ""})
    assert response.status_code == 422
    assert "Say what the conflict is." in response.get_data(as_text=True)

    response = post_form(client, page_url, f"{page_url}/declaration/conflict",
                         {"nature": "My former student leads the data work."})
    assert response.status_code == 302
    db_session.expire_all()
    assert declared.has_conflict and declared.conflict_declared_at is not None
    assert db_session.scalars(select(Verdict).where(Verdict.reviewer_id == reviewer.id)).all() == []
    page = client.get(page_url).get_data(as_text=True)
    assert "You are recused from this round" in page and SECRET not in page
    assert "I have found a conflict" not in page
    # a second post (say, from another tab) changes nothing and says why
    response = post_form(client, page_url, f"{page_url}/declaration/conflict", {"nature": "Again."},
                         follow_redirects=True)
    assert "You can no longer change your declaration" in response.get_data(as_text=True)
    db_session.expire_all()
    assert declared.nature == "My former student leads the data work."


def test_only_a_reviewer_of_the_round_may_declare_a_late_conflict(client, make, stage):
    login(client, stage.project.owner)
    response = post_form(client, "/dashboard", f"/stages/{stage.id}/declaration/conflict", {"nature": "x"})
    assert response.status_code == 403


def test_the_people_page_names_expertise_in_the_readers_language(client, make, db_session):
    reviewer = make.user("reviewer", name="Lena Lawyer")
    reviewer.expertise = ["legal", "privacy"]
    chair = make.user("chair")
    chair.language = "zh-Hans"
    db_session.flush()
    login(client, chair)
    page = client.get("/admin/users?q=lena").get_data(as_text=True)
    assert f'<label class="form-check-label" for="x-{reviewer.id}-legal">法律</label>' in page
    assert f'for="x-{reviewer.id}-external">外部</label>' in page
    assert '<summary class="small">法律、隐私</summary>' in page
    assert ">Legal</label>" not in page and "legal, privacy" not in page
    chair.language = "en"
    db_session.flush()
    page = client.get("/admin/users?q=lena").get_data(as_text=True)
    assert f'for="x-{reviewer.id}-legal">Legal</label>' in page
    assert '<summary class="small">legal, privacy</summary>' in page
