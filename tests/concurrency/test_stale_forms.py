"""Two people post the same versioned form at the same moment: no update is lost (PostgreSQL and SQLite).

A live, threaded server (``reviewboard run``) and two signed-in HTTP sessions, the project's owner and a
member. Each of ``RB_STALE_ROUNDS`` rounds (default 200) races two forms that carry a version: the
project edit form (``version``, the model's ``version_id_col``) and the stage's submit form. Both
people load the form, then post at a barrier. Exactly one wins (302); the other gets 409 with a
message and a link to the fresh state, and nothing else. Every win is in the final state and in the
audit trail; no loss leaves a trace.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import verify_chain
from reviewboard.extensions import db
from reviewboard.projects.models import Project, ProjectMember
from reviewboard.reviews.models import StageReview, SubmissionRound
from reviewboard.reviews.workflow import StageState
from tests.concurrency.helpers import at_once
from tests.support.factories import Factory
from tests.support.live_server import Server, sign_in

ROUNDS = int(os.environ.get("RB_STALE_ROUNDS", "200"))

pytestmark = pytest.mark.slow

_VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"|type="hidden" name="version" value="(\d+)"')
EDIT_FORM = {"purpose": "Suggests triage levels.", "intended_users": "Nurses.", "scenario": "Emergency department.",
             "system_type": "decision_support", "data_categories": ["anonymous"], "deployment_context": "internal",
             "autonomy_level": "advisory", "scale": "pilot",
             **{f"q_{q}": "no" for q in ("affects_rights", "safety_critical", "public_content", "manipulation",
                                          "social_scoring", "remote_biometric_public")}}


def _form_version(http, url: str) -> str:
    page = http.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    match = _VERSION.search(page.text)
    assert match, f"no version field on {url}"
    return match.group(1) or match.group(2)


def _post(http, url: str, data: dict):
    def run():
        return http.post(url, data=data, allow_redirects=False, timeout=60)

    return run


def _loss_kind(response) -> str:
    """How a 409 came about: the version check in the service (the form again, or the current page), or
    the database's versioned UPDATE matching no row (StaleDataError, the error page)."""
    return "update matched no row" if "<small class=\"text-muted\">(409)</small>" in response.text else "version check"


def _outcome(response, fresh_links: tuple[str, ...]) -> str:
    """'won', 'lost' (a proper 409), or a description of anything else."""
    if isinstance(response, Exception):
        return f"error {type(response).__name__}: {response}"
    if response.status_code == 302:
        return "won"
    if response.status_code == 409:
        body = response.text
        has_message = "changed" in body.lower()
        has_link = any(f'href="{link}"' in body for link in fresh_links)
        return "lost" if has_message and has_link else f"409 without message or link: {body[:400]}"
    return f"status {response.status_code}: {response.text[:400]}"


@pytest.fixture(scope="module")
def people_and_projects(committed_app):
    """An owner and a member sharing ROUNDS projects, each with a draft stage holding evidence."""
    with committed_app.app_context():
        make = Factory(db.session)
        owner, member = make.user("submitter"), make.user("submitter")
        projects = []
        for _ in range(ROUNDS):
            project = make.project(owner)
            db.session.add(ProjectMember(project_id=project.id, user_id=member.id))
            make.evidence(project.stages[0], owner)
            projects.append((project.id, project.stages[0].id))
        db.session.commit()
        people = (owner.id, owner.email), (member.id, member.email)
        db.session.remove()
    return people, projects


@pytest.fixture(scope="module")
def server(committed_app, tmp_path_factory, signing_dir):
    with Server.for_app(committed_app, tmp_path_factory.mktemp("stale-server"), signing_dir, threaded=True) as live:
        yield live


def test_simultaneous_stale_forms_lose_no_update(committed_app, engine_name, server, people_and_projects):
    people, projects = people_and_projects
    sessions = [sign_in(server.base, email) for _, email in people]
    started = time.monotonic()
    edits, submits, losses = Counter(), Counter(), Counter()
    edit_winner: dict[int, tuple[int, str]] = {}
    submit_winner: dict[int, int] = {}
    for round_no, (project_id, stage_id) in enumerate(projects):
        # both people open the edit form, then save it at the same moment
        edit_url = f"{server.base}/projects/{project_id}/edit"
        versions = [_form_version(http, edit_url) for http, _ in sessions]
        names = [f"Round {round_no} by {who}" for who in ("owner", "member")]
        responses = at_once(*(_post(http, edit_url, {**EDIT_FORM, "name": name, "version": version,
                                                      "csrf_token": token})
                              for (http, token), name, version in zip(sessions, names, versions, strict=True)))
        outcomes = [_outcome(r, (f"/projects/{project_id}", f"/projects/{project_id}/edit")) for r in responses]
        edits.update(outcomes)
        assert sorted(outcomes) == ["lost", "won"], (round_no, outcomes)
        winner = outcomes.index("won")
        losses["edit: " + _loss_kind(responses[1 - winner])] += 1
        edit_winner[project_id] = (people[winner][0], names[winner])

        # both open the stage page, then submit it for review at the same moment
        stage_url = f"{server.base}/stages/{stage_id}"
        versions = [_form_version(http, stage_url) for http, _ in sessions]
        responses = at_once(*(_post(http, stage_url + "/submit", {"note": "", "version": version, "csrf_token": token,
                                                                     "confirm_missing": "y"})
                              for (http, token), version in zip(sessions, versions, strict=True)))
        outcomes = [_outcome(r, (f"/stages/{stage_id}",)) for r in responses]
        submits.update(outcomes)
        assert sorted(outcomes) == ["lost", "won"], (round_no, outcomes)
        submit_winner[stage_id] = people[outcomes.index("won")][0]
        losses["submit: " + _loss_kind(responses[1 - outcomes.index("won")])] += 1
    elapsed = time.monotonic() - started
    print(f"\n[{engine_name}] stale forms: {ROUNDS} rounds in {elapsed:.1f}s; "
          f"project edit {dict(edits)}; stage submit {dict(submits)}; 409s by cause {dict(losses)}")
    assert edits == {"won": ROUNDS, "lost": ROUNDS} and submits == {"won": ROUNDS, "lost": ROUNDS}

    with committed_app.app_context():
        ids = [p for p, _ in projects]
        names = dict(db.session.execute(select(Project.id, Project.name).where(Project.id.in_(ids))).all())
        assert names == {p: name for p, (_, name) in edit_winner.items()}, "a saved edit is not the final state"
        updated = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "project.updated", AuditEvent.object_id.in_([str(p) for p in ids]))).all()
        assert sorted((int(e.object_id), e.actor_id, json.loads(e.payload)["after"]["name"]) for e in updated) == \
            sorted((p, actor, name) for p, (actor, name) in edit_winner.items()), "audit trail differs from the wins"

        stage_ids = [s for _, s in projects]
        states = db.session.execute(select(StageReview.id, StageReview.state, StageReview.round_number)
                                    .where(StageReview.id.in_(stage_ids))).all()
        assert {(s, state, n) for s, state, n in states} == {(s, StageState.IN_REVIEW, 1) for s in stage_ids}
        rounds = db.session.execute(select(SubmissionRound.stage_review_id, SubmissionRound.submitted_by_id)
                                    .where(SubmissionRound.stage_review_id.in_(stage_ids))).all()
        assert sorted(rounds) == sorted(submit_winner.items()), "one submission round per stage, by its winner"
        submitted = db.session.execute(select(AuditEvent.object_id, AuditEvent.actor_id).where(
            AuditEvent.action == "stage.submitted", AuditEvent.object_id.in_([str(s) for s in stage_ids]))).all()
        assert sorted((int(o), a) for o, a in submitted) == sorted(submit_winner.items())
        assert verify_chain().ok
        db.session.remove()
