"""The stage page people work in, over HTTP with CSRF on: a refused form opens at an error summary that links
to each field in error; each criterion card attaches evidence to its own criterion; submitting asks to
confirm the criteria left without evidence; the review form reports every missing item at once; a reviewer
reads the project's summary without leaving the page."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from reviewboard.models.base import utcnow
from reviewboard.reviews.workflow import StageState
from tests.support.http import declare_no_conflict, login, post_form


class Summary(HTMLParser):
    """The error summary's messages and link targets, and the ids present on the page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.texts: list[str] = []
        self.ids: set[str] = set()
        self.attrs: dict | None = None
        self._depth = 0
        self._href = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("id") == "error-summary":
            self.attrs, self._depth = a, 1
        elif self._depth:
            self._depth += tag not in ("input", "br")
            if tag == "li":
                self.texts.append("")
            if tag == "a":
                self._href = a.get("href")

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            if tag == "a" and self._href:
                self.links.append((self._href, self.texts[-1].strip()))
                self._href = None

    def handle_data(self, data):
        if self._depth and self.texts:
            self.texts[-1] += data


def summary(response) -> Summary:
    found = Summary(response.get_data(as_text=True))
    assert found.attrs is not None, "no error summary on the page"
    assert found.attrs["role"] == "alert" and found.attrs["tabindex"] == "-1"
    for href, _text in found.links:  # every link leads to a control on the page
        assert href.startswith("#") and href[1:] in found.ids, href
    return found


def _actions(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]+)"', html)


def _upload(client, stage, criterion, name="brief.md", data=b"# Brief\n"):
    url = f"/stages/{stage.id}"
    return post_form(client, url, f"{url}/evidence",
                     {"criterion_id": str(criterion.id), "file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


@pytest.fixture()
def draft(make, client):
    """A high-tier project's Design stage, still a draft, its owner signed in."""
    project = make.project(answers={"affects_rights": "yes"})
    login(client, project.owner)
    return project.stages[0]


# ---------------------------------------------------------------------------------------------- evidence


def test_each_criterion_card_attaches_evidence_to_its_own_criterion(client, draft, db_session):
    first, second = draft.applicable_criteria()[:2]
    page = client.get(f"/stages/{draft.id}").get_data(as_text=True)
    for c in draft.applicable_criteria():  # one form per card, posting that card's criterion
        card = page[page.index(f'id="c-{c.code}"'):]
        card = card[:card.index("</article>")]
        assert f'name="criterion_id" value="{c.id}"' in card and f'id="file-{c.id}"' in card
    assert 'id="h-evidence"' not in page  # no longer one form at the bottom defaulting to the first criterion

    response = _upload(client, draft, second, "bias-report.md")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#c-{second.code}")
    db_session.expire_all()
    (evidence,) = [e for e in draft.evidence if not e.withdrawn]
    assert (evidence.criterion_id, evidence.filename) == (second.id, "bias-report.md")
    assert first.id not in {e.criterion_id for e in draft.evidence}


def test_a_refused_upload_opens_at_a_summary_linking_to_its_card(client, draft):
    criterion = draft.applicable_criteria()[3]
    page = client.get(f"/stages/{draft.id}").get_data(as_text=True)
    assert all(action.endswith("#error-summary") for action in _actions(page) if "/evidence" in action)

    response = _upload(client, draft, criterion, "report.pdf", b"MZ\x90\x00 a Windows program, not a PDF")
    assert response.status_code == 422
    found = summary(response)
    assert [href for href, _ in found.links] == [f"#file-{criterion.id}"]
    assert "PDF" in found.links[0][1] or "content" in found.links[0][1].lower()
    html = response.get_data(as_text=True)
    card = html[html.index(f'id="c-{criterion.code}"'):]
    assert re.search(r'<details class="rb-attach mt-2" open>', card[:card.index("</article>")])
    assert html.index('id="error-summary"') < html.index('id="criteria"')  # at the top, not 3,700 px below


def test_an_upload_for_a_criterion_not_on_the_stage_is_refused_in_the_summary(client, draft, make, db_session):
    other = make.project().stages[1].applicable_criteria()[0]
    response = _upload(client, draft, other)
    assert response.status_code == 422
    found = summary(response)
    assert found.links == [] and any("Not a valid choice" in t or "criterion" in t for t in found.texts)
    db_session.expire_all()
    assert draft.evidence == []


# ---------------------------------------------------------------------------------------------- submit


def test_submitting_lists_the_criteria_without_evidence_and_asks_to_confirm(client, draft, db_session):
    criteria = draft.applicable_criteria()
    _upload(client, draft, criteria[0])
    url = f"/stages/{draft.id}"
    page = client.get(url).get_data(as_text=True)
    listed = page[page.index("criteria have no evidence attached"):]
    listed = listed[:listed.index("</ul>")]
    assert criteria[0].code not in listed and all(c.code in listed for c in criteria[1:])
    assert f"{len(criteria) - 1} of {len(criteria)} criteria" in page

    response = post_form(client, url, f"{url}/submit", {"note": "Ready", "version": str(draft.version)})
    assert response.status_code == 422
    assert [href for href, _ in summary(response).links] == ["#confirm_missing"]
    db_session.expire_all()
    assert draft.state == StageState.DRAFT and draft.rounds == []

    response = post_form(client, url, f"{url}/submit", {"note": "Ready", "version": str(draft.version),
                                                        "confirm_missing": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    assert draft.state == StageState.IN_REVIEW


def test_with_evidence_on_every_criterion_nothing_needs_confirming(client, draft, db_session):
    for c in draft.applicable_criteria():
        assert _upload(client, draft, c).status_code == 302
    url = f"/stages/{draft.id}"
    page = client.get(url).get_data(as_text=True)
    assert "no evidence attached" not in page and 'name="confirm_missing"' not in page
    response = post_form(client, url, f"{url}/submit", {"note": "", "version": str(draft.version)})
    assert response.status_code == 302


# ---------------------------------------------------------------------------------------------- review


@pytest.fixture()
def reviewing(make, client):
    """A stage in review, a reviewer signed in who has declared no conflict; returns (stage, reviewer)."""
    stage = make.submitted_stage(answers={"affects_rights": "yes"})
    reviewer = make.user("reviewer")
    login(client, reviewer)
    declare_no_conflict(client, stage.id)
    return stage, reviewer


def test_the_review_form_reports_every_missing_item_in_one_go(client, reviewing, db_session):
    stage, _reviewer = reviewing
    criteria = stage.applicable_criteria()
    url = f"/stages/{stage.id}"
    data = {f"v_{criteria[0].id}": "partially_meets", "sign": "Sign decision"}  # no rationale, nothing else
    response = post_form(client, url, f"{url}/review", data)
    assert response.status_code == 422
    targets = [href for href, _ in summary(response).links]
    assert targets[0] == f"#r_{criteria[0].id}"
    assert {f"#v_{c.id}-0" for c in criteria[1:]} <= set(targets)  # every criterion without a verdict
    assert {"#outcome-0", "#email", "#password"} <= set(targets)
    db_session.expire_all()
    assert stage.current_round.verdicts == [] and stage.current_round.signoffs == []


def test_approving_with_conditions_reports_each_incomplete_condition(client, reviewing):
    stage, reviewer = reviewing
    url = f"/stages/{stage.id}"
    verdicts = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
    owner = str(stage.project.owner_id)  # the browser sends the select's first owner
    data = {**verdicts, "outcome": "approve_with_conditions", "email": reviewer.email, "password": "x",
            "sign": "Sign decision", **{f"conditions-{i}-owner_id": owner for i in range(3)}}
    response = post_form(client, url, f"{url}/review", data)
    assert [href for href, _ in summary(response).links] == ["#conditions-0-text"]

    past = (utcnow() - timedelta(days=1)).date().isoformat()
    data.update({"conditions-0-text": "Publish the model card", "conditions-0-due_date": "",
                 "conditions-1-text": "Name a monitoring owner", "conditions-1-due_date": past})
    response = post_form(client, url, f"{url}/review", data)
    assert response.status_code == 422
    assert [href for href, _ in summary(response).links] == ["#conditions-0-due_date", "#conditions-1-due_date"]


def test_your_decision_is_said_once_and_the_project_summary_is_one_click_away(client, reviewing):
    stage, _reviewer = reviewing
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert page.count("Your decision") == 1
    assert '<fieldset class="mb-3" aria-labelledby="h-decision"' in page
    project = stage.project
    details = page[page.index('<details class="card card-body mb-3 rb-project-summary">'):]
    details = details[:details.index("</details>\n")]
    for text in (project.purpose, project.intended_users, project.scenario, "Why the tier is high",
                 "T-HIGH-RIGHTS"):
        assert text in details


def test_the_project_summary_is_not_repeated_for_the_projects_own_members(client, make):
    stage = make.submitted_stage()
    login(client, stage.project.owner)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "rb-project-summary" not in page


# ------------------------------------------------------------------------------------- risk questionnaire


def test_the_risk_questionnaire_starts_blank_and_every_answer_is_required(client, make):
    login(client, make.user("submitter"))
    page = client.get("/projects/new").get_data(as_text=True)
    for qid in ("system_type", "deployment_context", "autonomy_level", "scale"):
        select = page[page.index(f'<select class="form-select" id="{qid}"'):]
        select = select[:select.index("</select>")]
        assert "selected" not in select and '<option value="">Choose an answer</option>' in select
    assert not re.search(r'name="q_[a-z_]+"[^>]*checked', page) and not re.search(r'checked[^>]*name="q_', page)

    data = {"name": "Rushed", "purpose": "P", "intended_users": "U", "scenario": "S"}
    response = post_form(client, "/projects/new", "/projects/new", data)
    assert response.status_code == 422
    found = summary(response)
    targets = {href for href, _ in found.links}
    assert {"#system_type", "#deployment_context", "#autonomy_level", "#scale", "#data_categories-0",
            "#q_affects_rights-0", "#q_remote_biometric_public-0"} <= targets
    assert all(text.strip().endswith(("Answer this question.", "Choose at least one data category."))
               for text in found.texts), found.texts
    assert "/projects/new#error-summary" in _actions(page)
