"""Who may open what: a role x route matrix over the main pages and downloads, over HTTP.

Each case checks the status a person gets, and that a submitter never sees another team's project name,
wherever it would appear (lists, dashboards, error pages). The people and projects are built once per engine
for the whole module (``world``); what a case changes (its sign-in, a deactivation) is rolled back after it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewboard.auth.services import find_user_by_email, set_active
from reviewboard.catalogs.models import Catalog
from reviewboard.incidents.services import Report, Upload, report_incident
from reviewboard.models.base import utcnow
from reviewboard.pipelines.services import new_version as new_pipeline_version
from reviewboard.records.models import Record
from reviewboard.registration.services import add_filing
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from reviewboard.webhooks.models import WebhookSubscription
from tests.conftest import shared_session
from tests.functional.test_pipeline_pages import PIPELINE_POSTS
from tests.support.certificates import certified
from tests.support.factories import Factory
from tests.support.http import login

OWN_PROJECT = "Alpha Lighthouse Triage"
OTHER_PROJECT = "Beta Harbour Scoring"
DECIDED_PROJECT = f"{OWN_PROJECT} II"  # the owner's too: its name holds OWN_PROJECT, so the checks cover it

ROUTES = {
    "dashboard": "/dashboard",
    "projects list": "/projects",
    "project page": "/projects/{project}",
    "stage page": "/stages/{stage}",
    "queue": "/queue",
    "records list": "/records",
    "record download": "/records/{record}.pdf",
    "evidence download": "/evidence/{evidence}",
    "admin users": "/admin/users",
    "catalogs": "/catalogs",
    "catalog page": "/catalogs/{catalog}",
    "catalog criterion": "/catalogs/{catalog}/criteria/RB-DES-01",
    "catalog diff": "/catalogs/rb-tc260-lifecycle/diff",
    "catalog import": "/catalogs/import",
    "verify": "/verify",
    "seal certificate": "/verify/seal-certificate.pem",
    "register project": "/projects/new",
    "project edit": "/projects/{project}/edit",
    "password": "/account/password",
    "project pack": "/projects/{project}/pack.zip",
    "stage pack": "/stages/{stage}/pack.zip",
    "conditions list": "/conditions",
    "project conditions": "/projects/{project}/conditions",
    "condition page": "/conditions/{condition}",
    "propose reviewers": "/stages/{stage}/proposal",
    "my delegations": "/account/delegations",
    "pipelines": "/pipelines",
    "pipeline page": "/pipelines/standard",
    "pipeline diff": "/pipelines/standard/diff",
    "pipeline export": "/pipelines/standard/v1.yaml",
    "pipeline new": "/pipelines/new",
    "pipeline import": "/pipelines/import",
    "pipeline retire": "/pipelines/standard/retire",
    "pipeline draft": "/pipelines/drafts/{draft}",
    "pipeline draft stage": "/pipelines/drafts/{draft}/stages/{draft_stage}",
    "pipeline publish": "/pipelines/drafts/{draft}/publish",
    "liveness probe": "/healthz",
    "readiness probe": "/readyz",
    "system versions": "/projects/{project}/versions",
    "incident register": "/incidents",
    "project incidents": "/projects/{project}/incidents",
    "report incident": "/projects/{project}/incidents/new",
    "incident page": "/incidents/{incident}",
    "incident evidence": "/incidents/{incident}/evidence/{incident_evidence}",
    "filing form": "/projects/{project}/duties/TC260-GENAI-FILING/filing",
    "filing download": "/filings/{filing}",
    "api tokens": "/account/tokens",
    "certificates list": "/certificates",
    "certificate page": "/certificates/{certificate}",
    "certificate envelope": "/certificates/{certificate}.intoto.json",
    "certificate pdf": "/certificates/{certificate}.pdf",
    "certificate status page": "/c/{certificate_public}",
    "certificate badge": "/c/{certificate_public}/badge.svg",
    "certificate status list": "/certificates/status-list.json",
    "public register": "/register",
    "public register feed": "/register.json",
    "register listing": "/projects/{project}/register",
    "audit trail": "/audit",
    "ai inventory": "/inventory",
    "system timeline": "/inventory/{project}",
    "webhooks": "/webhooks",
    "webhook page": "/webhooks/{webhook}",
    "committee metrics": "/metrics",
    "sso sign-in": "/sso/login",
    "sso callback": "/sso/callback",
    "team member removal": "/projects/{project}/team/{member}/remove",
    "person account": "/admin/users/{person}",
    "deactivate account": "/admin/users/{person}/deactivate",
    "own profile": "/account",
    "two-step verification": "/account/mfa",
    "forgot password": "/password/forgot",
}

SIGNED_IN = ("owner", "other submitter", "reviewer", "chair", "auditor")
# status per signed-in role, in the order of SIGNED_IN
EXPECTED = {
    "dashboard": (200, 200, 200, 200, 200),
    "projects list": (200, 200, 200, 200, 200),
    "project page": (200, 404, 200, 200, 200),
    "stage page": (200, 404, 200, 200, 200),
    "queue": (403, 403, 200, 200, 403),
    "records list": (200, 200, 200, 200, 200),
    "record download": (200, 404, 200, 200, 200),
    # a reviewer of the round declares conflicts of interest first (test_conflicts_and_delegation.py)
    "evidence download": (200, 404, 403, 200, 200),
    "admin users": (403, 403, 403, 200, 403),
    "catalogs": (200, 200, 200, 200, 200),
    "catalog page": (200, 200, 200, 200, 200),
    "catalog criterion": (200, 200, 200, 200, 200),
    "catalog diff": (200, 200, 200, 200, 200),
    "catalog import": (403, 403, 403, 200, 403),
    "verify": (200, 200, 200, 200, 200),
    "seal certificate": (200, 200, 200, 200, 200),
    "register project": (200, 200, 403, 403, 403),
    "project edit": (409, 404, 403, 403, 403),  # the owner's stage is in review: not editable now
    "password": (200, 200, 200, 200, 200),
    "project pack": (404, 404, 404, 200, 200),
    "stage pack": (404, 404, 404, 200, 200),
    "conditions list": (200, 200, 200, 200, 200),  # each sees the conditions they follow (test_conditions.py)
    "project conditions": (200, 404, 200, 200, 200),
    "condition page": (200, 404, 200, 200, 200),
    "propose reviewers": (403, 404, 403, 200, 403),
    "my delegations": (403, 403, 200, 403, 403),
    # chairs configure pipelines, auditors read them (tests/functional/test_pipeline_pages.py)
    "pipelines": (403, 403, 403, 200, 200),
    "pipeline page": (403, 403, 403, 200, 200),
    "pipeline diff": (403, 403, 403, 200, 200),
    "pipeline export": (403, 403, 403, 200, 200),
    "pipeline new": (403, 403, 403, 200, 403),
    "pipeline import": (403, 403, 403, 200, 403),
    "pipeline retire": (403, 403, 403, 200, 403),
    "pipeline draft": (403, 403, 403, 200, 403),
    "pipeline draft stage": (403, 403, 403, 200, 403),
    "pipeline publish": (403, 403, 403, 200, 403),
    # for load balancers: anonymous, no data (tests/functional/test_health.py)
    "liveness probe": (200, 200, 200, 200, 200),
    "readiness probe": (200, 200, 200, 200, 200),
    # a project's system versions: whoever sees the project (adding one: its members, test_system_pages.py)
    "system versions": (200, 404, 200, 200, 200),
    # the register is for chairs and auditors; the team and chairs report (tests/functional/test_incident_pages.py)
    "incident register": (403, 403, 403, 200, 200),
    "project incidents": (200, 404, 200, 200, 200),
    "report incident": (200, 404, 403, 200, 403),
    "incident page": (200, 404, 200, 200, 200),
    "incident evidence": (200, 404, 200, 200, 200),
    # registration filings: members record them (test_registration_pages.py); whoever sees the project reads them
    "filing form": (200, 404, 403, 403, 403),
    "filing download": (200, 404, 200, 200, 200),
    # each person's own tokens (tests/api/test_tokens.py)
    "api tokens": (200, 200, 200, 200, 200),
    # system certificates (tests/functional/test_certificate_pages.py): whoever may see the project
    "certificates list": (200, 200, 200, 200, 200),
    "certificate page": (200, 404, 200, 200, 200),
    "certificate envelope": (200, 404, 200, 200, 200),
    "certificate pdf": (200, 404, 200, 200, 200),
    # public: what a QR code, a badge or a deployment gate opens (no name of an unlisted system)
    "certificate status page": (200, 200, 200, 200, 200),
    "certificate badge": (200, 200, 200, 200, 200),
    "certificate status list": (200, 200, 200, 200, 200),
    "public register": (200, 200, 200, 200, 200),
    "public register feed": (200, 200, 200, 200, 200),
    "register listing": (403, 404, 403, 200, 403),  # chairs list a system on the register
    # auditors and chairs read, verify and export it (tests/functional/test_audit_pages.py)
    "audit trail": (403, 403, 403, 200, 200),
    # each sees the systems they may see (tests/functional/test_inventory_page.py)
    "ai inventory": (200, 200, 200, 200, 200),
    "system timeline": (200, 404, 200, 200, 200),  # whoever sees the project
    # chairs manage webhooks (tests/functional/test_webhook_pages.py)
    "webhooks": (403, 403, 403, 200, 403),
    "webhook page": (403, 403, 403, 200, 403),
    # chairs and auditors, as the audit trail (tests/functional/test_metrics_page.py)
    "committee metrics": (403, 403, 403, 200, 200),
    # single sign-on: no such page while no identity provider is configured, for anyone (with one configured:
    # tests/functional/test_sso.py::test_sso_routes_with_a_provider)
    "sso sign-in": (404, 404, 404, 404, 404),
    "sso callback": (404, 404, 404, 404, 404),
    # the project's owners and the chairs manage its team (tests/functional/test_team_pages.py)
    "team member removal": (200, 404, 403, 200, 403),
    # administrators are the chairs (tests/functional/test_account_pages.py); everyone edits their own profile
    "person account": (403, 403, 403, 200, 403),
    "deactivate account": (403, 403, 403, 200, 403),
    "own profile": (200, 200, 200, 200, 200),
    # each person's own (tests/functional/test_mfa_pages.py)
    "two-step verification": (200, 200, 200, 200, 200),
    "forgot password": (200, 200, 200, 200, 200),  # public (tests/functional/test_password_reset.py)
}

# Routes outside the role matrix, each with the reason. Any other route missing from ROUTES (GET) or from
# the CSRF list in test_bad_input.py (POST) fails test_every_route_is_classified.
UNCLASSIFIED_OK = {
    "static": "public static files (headers tested in test_sessions_and_headers.py)",
    "bootstrap.static": "Bootstrap's bundled static files",
    "core.index": "redirects to the dashboard or the sign-in page",
    "core.favicon": "the site icon, public (tested in test_sessions_and_headers.py)",
    "auth.login": "the public sign-in page (rate limits and CSRF tested elsewhere)",
    "mfa.sign_in_code": "sign-in's second step: back to sign-in without a right password first, to the dashboard "
                        "when signed in (tests/functional/test_mfa_pages.py)",
    "reset.reset": "public, answers 410 without a working link; with one, tests/functional/test_password_reset.py",
}
ROLES = ("anonymous", *SIGNED_IN, "deactivated")
PUBLIC = {"verify", "seal certificate", "liveness probe", "readiness probe", "certificate status page",
          "certificate badge", "certificate status list", "public register", "public register feed",
          "forgot password"}


UNCONFIGURED = {"sso sign-in", "sso callback"}  # 404 for everyone, signed in or not


def expected_status(role: str, route: str) -> int:
    if route in UNCONFIGURED:
        return 404
    if role in ("anonymous", "deactivated"):
        return 200 if route in PUBLIC else 302
    return EXPECTED[route][SIGNED_IN.index(role)]


@pytest.fixture(scope="module")
def world(app, world_connection) -> dict:
    """Built once per engine for the module's tests (each test's own changes are rolled back): a person per
    role, the owner's project with its first stage in review (with evidence), the owner's project decided
    with a condition (its record), another team's project and a chair's pipeline draft.
    ``world["ids"]`` fill the routes; ``world["people"]`` are the roles' e-mails."""
    with shared_session(app, world_connection) as session:
        make = Factory(session)
        owner = make.user("submitter", name="Olive Owner")
        other = make.user("submitter", name="Oscar Other")
        people = {"owner": owner, "other submitter": other, "reviewer": make.user("reviewer"),
                  "chair": make.user("chair"), "auditor": make.user("auditor"),
                  "deactivated": make.user("reviewer", "chair", "auditor")}  # would see everything while active
        stage = make.submitted_stage(owner=owner, name=OWN_PROJECT, generative_public=True)
        filing = add_filing(owner, stage.project, "TC260-GENAI-FILING", "CAC", "Filing 1", utcnow().date(),
                            "receipt.pdf", b"%PDF-1.4\n% receipt\n")
        other_project = make.project(owner=other, name=OTHER_PROJECT)
        make.evidence(other_project.stages[0], filename="harbour.md", data=b"# harbour\n")
        decided = make.submitted_stage(owner=owner, name=DECIDED_PROJECT)
        first, second = make.reviewers(2)
        due = utcnow().date() + timedelta(days=30)
        make.sign(first, decided, Outcome.APPROVE_WITH_CONDITIONS,
                  conditions=[ConditionEntry("Publish the model card", owner.id, due)])
        make.sign(second, decided)
        record = session.scalars(select(Record).where(Record.stage_review_id == decided.id)).one()
        draft = new_pipeline_version(make.user("chair"), "standard")
        incident = report_incident(owner, stage.project, Report(
            "Alarm missed", "The alarm was not shown.", "major", utcnow().date()), [Upload("log.md", b"# Evidence\n")])
        _, certificate, _ = certified(make, project=make.project(owner=owner, name=f"{OWN_PROJECT} III"))
        webhook = WebhookSubscription(url="https://hooks.example.org/rb", events=["stage.decided"],
                                      secret="whsec_matrix", created_by_id=people["chair"].id)
        session.add(webhook)
        session.commit()
        ids = {"project": stage.project.id, "stage": stage.id, "evidence": stage.evidence[0].id,
               "catalog": session.scalars(select(Catalog).limit(1)).one().id, "record": record.id,
               "condition": decided.conditions[0].id, "draft": draft.id, "draft_stage": draft.stages[0].id,
               "decided project": decided.project.id, "decided stage": decided.id, "incident": incident.id,
               "incident_evidence": incident.evidence[0].id,
               "filing": filing.id, "certificate": certificate.id,
               "certificate_public": certificate.public_id, "webhook": webhook.id,
               "member": stage.project.members[0].id, "person": other.id}
        return {"ids": ids, "people": {role: person.email for role, person in people.items()},
                "record pdf": record.pdf}


def _sign_in_as(role: str, client, db_session, world) -> None:
    if role == "anonymous":
        return
    login(client, world["people"][role])
    if role == "deactivated":  # signed in while active, then deactivated: the session ends with the account
        set_active(find_user_by_email(world["people"]["chair"]), find_user_by_email(world["people"][role]), False)
        db_session.commit()


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(client, db_session, world, role, route):
    _sign_in_as(role, client, db_session, world)
    path = ROUTES[route].format(**world["ids"])
    response = client.get(path)
    expected = expected_status(role, route)
    assert response.status_code == expected, (role, path)
    if expected == 302:
        assert response.headers["Location"].startswith("/login")
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    if role in ("anonymous", "deactivated"):
        assert OWN_PROJECT not in body and OTHER_PROJECT not in body
    elif role == "other submitter":
        assert OWN_PROJECT not in body
    elif role == "owner":
        assert OTHER_PROJECT not in body
    if expected == 200 and route == "record download":
        assert response.data == world["record pdf"]
    if expected == 200 and route in ("evidence download", "incident evidence"):
        assert response.data == b"# Evidence\n"
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_chair_without_two_step_verification_opens_nothing_but_the_enrolment(client, app, world, monkeypatch):
    """MFA_REQUIRED_ROLES at production's default: every page of the matrix sends such a chair to enrolment
    (the load balancers' probes excepted)."""
    from reviewboard.config import Defaults

    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", Defaults.MFA_REQUIRED_ROLES)
    login(client, world["people"]["chair"])
    for route, path in ROUTES.items():
        response = client.get(path.format(**world["ids"]))
        if route in ("liveness probe", "readiness probe", "two-step verification"):
            assert response.status_code == 200, route
        else:
            assert (response.status_code, response.headers.get("Location")) == (302, "/account/mfa"), route


@pytest.mark.parametrize("role", ["owner", "other submitter"])
def test_a_submitter_sees_their_own_project_listed_and_no_one_elses(client, world, role):
    login(client, world["people"][role])
    mine, theirs = (OWN_PROJECT, OTHER_PROJECT) if role == "owner" else (OTHER_PROJECT, OWN_PROJECT)
    for path in ("/dashboard", "/projects", f"/projects?q={mine.split()[0]}"):
        body = client.get(path).get_data(as_text=True)
        assert mine in body and theirs not in body, path
    body = client.get(f"/projects?q={theirs.split()[0]}").get_data(as_text=True)
    assert theirs not in body  # searching by name finds nothing either


def test_reviewers_chairs_and_auditors_see_every_project(client, world):
    for role in ("reviewer", "chair", "auditor"):
        login(client, world["people"][role])
        body = client.get("/projects").get_data(as_text=True)
        assert OWN_PROJECT in body and OTHER_PROJECT in body, role
        client.post("/logout", data={"csrf_token": _token(client)})


def _token(client) -> str:
    from tests.support.http import token_for

    return token_for(client, "/dashboard")


def test_every_route_is_classified(app):
    """A new route must be added to the access matrix (GET) or to the CSRF list (POST) before it ships."""
    from tests.functional.test_bad_input import CSRF_ROUTES

    adapter = app.url_map.bind("localhost")
    ids = dict(project=1, stage=1, record=1, evidence=1, catalog=1, condition=1, draft=1, draft_stage=1, incident=1,
               incident_evidence=1, filing=1, certificate=1, webhook=1, member=1, person=1,
               certificate_public="RBC-000001-1")
    matrix = {adapter.match(path.format(**ids))[0] for path in ROUTES.values()}
    posts = {"auth.login", "auth.logout", "projects.create", "projects.edit", "reviews.add_evidence",
             "reviews.withdraw_evidence", "reviews.submit", "reviews.review", "reviews.assign",
             "projects.clear_escalation", "auth.users", "auth.set_active", "auth.change_password",
             "records.verify", "committee.declare", "committee.declare_late_conflict", "committee.confirm_proposal",
             "committee.create_delegation", "committee.revoke_delegation", "auth.set_expertise",
             "catalogs.import_version",
             "conditions.respond", "conditions.close", "conditions.reopen", "comments.post",
             "systems.add_version",
             "incidents.report", "incidents.assess", "incidents.authority_report", "incidents.close",
             "incidents.add_evidence", "registration.file_duty",
             "reviews.retry_record",  # chairs only: tests/functional/test_record_jobs.py
             "tokens.index", "tokens.revoke",  # CSRF: tests/api/test_tokens.py
             "certificates.revoke", "register.listing",
             "audit.verify", "audit.export",  # CSRF and access: tests/functional/test_audit_pages.py
             "inventory.export",  # CSRF and what each sees: tests/functional/test_inventory_page.py
             # CSRF, who may export and what each sees: tests/functional/test_exports.py
             "reviews.export_queue", "conditions.export", "inventory.export_decisions",
             "webhooks.index", "webhooks.disable", "webhooks.replay",  # CSRF: tests/functional/test_webhook_pages.py
             "metrics.export",  # CSRF and access: tests/functional/test_metrics_page.py
             "teams.add", "teams.change_role", "teams.remove",  # CSRF: tests/functional/test_team_pages.py
             # CSRF: tests/functional/test_account_pages.py
             "accounts.change_roles", "accounts.deactivate", "accounts.reactivate", "accounts.profile",
             # CSRF and behaviour: tests/functional/test_mfa_pages.py, tests/functional/test_password_reset.py
             "mfa.sign_in_code", "mfa.start", "mfa.confirm", "mfa.regenerate", "mfa.disable",
             "reset.forgot", "reset.reset",
             "i18n.switch"}  # CSRF and behaviour: tests/functional/test_language_pages.py
    posts |= set(PIPELINE_POSTS)
    assert len(CSRF_ROUTES) == 13  # the CSRF test covers these POST endpoints (verify: CSRF-only, no state)
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNCLASSIFIED_OK or rule.endpoint.startswith("api."):
            continue  # the API's own matrix fails on a missing endpoint (tests/api/test_api_permissions.py)
        if "GET" in rule.methods and rule.endpoint not in matrix:
            missing.append(f"GET {rule.rule} ({rule.endpoint})")
        if "POST" in rule.methods and rule.endpoint not in posts:
            missing.append(f"POST {rule.rule} ({rule.endpoint})")
    assert missing == []
