"""Idempotent demo data: one account per role, projects at different stages, a signed record.

The history is laid over the past six weeks (``models.base.clock_at``), as a committee's would be: projects
registered weeks apart, submissions waiting days in the queue, each with its decision due date.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select

from reviewboard.auth.models import User
from reviewboard.auth.services import create_user, find_user_by_email
from reviewboard.catalogs.schema import default_catalog_path
from reviewboard.catalogs.services import import_catalog_file
from reviewboard.committee import services as committee
from reviewboard.extensions import db
from reviewboard.incidents import services as incidents
from reviewboard.mfa import services as mfa
from reviewboard.models.base import clock_at, utcnow
from reviewboard.pipelines import services as pipelines
from reviewboard.pipelines.services import ensure_default_pipeline
from reviewboard.projects import services as projects
from reviewboard.projects.models import Project
from reviewboard.registration import services as registration
from reviewboard.reviews import lifecycle
from reviewboard.reviews import permissions as review_perms
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome, VerdictValue
from reviewboard.systems import services as systems

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the local demo only
# The demo's chairs must use two-step verification (MFA_REQUIRED_ROLES): the demo enrols them with this published
# authenticator key, printed with the password and in the README, so that the demo can be tried without a phone.
# As public as the password: a demo convenience, never for real accounts (the demo refuses to run in production).
DEMO_TOTP_SECRET = "REVIEWBOARDDEMOCHAIRTOTPSECRET23"  # noqa: S105

DEMO_USERS = [
    ("alice@example.org", "Alice Submitter", {"submitter"}),
    ("bob@example.org", "Bob Builder", {"submitter"}),
    ("rita@example.org", "Rita Reviewer", {"reviewer"}),
    ("ravi@example.org", "Ravi Reviewer", {"reviewer"}),
    ("chen@example.org", "Chen Chair", {"chair", "reviewer"}),
    ("aude@example.org", "Aude Auditor", {"auditor"}),
]

# matched against pipeline stages' required roles (e.g. "legal when personal data")
DEMO_EXPERTISE = {"rita@example.org": ["ethics", "domain"], "ravi@example.org": ["technical", "legal"],
                  "chen@example.org": ["ethics", "privacy"]}

BASE_FIELDS = {
    "intended_users": "Clinical triage nurses in the emergency department.",
    "system_type": "decision_support", "data_categories": ["personal", "sensitive"],
    "deployment_context": "internal", "autonomy_level": "human_in_loop", "scale": "organisation",
}
NO = {q: "no" for q in ("affects_rights", "safety_critical", "public_content", "manipulation", "social_scoring",
                        "remote_biometric_public")}


def _users(echo) -> dict[str, User]:
    users = {}
    for email, name, roles in DEMO_USERS:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(None, email, name, DEMO_PASSWORD, roles)
            user.expertise = DEMO_EXPERTISE.get(email, [])
            echo(f"created user {email}")
        users[email.split("@")[0]] = user
    return users


def _evidence(actor, stage, text: str) -> None:
    for criterion in stage.applicable_criteria()[:3]:
        projects.add_evidence(actor, stage, criterion.id, f"{criterion.code.lower()}-evidence.md",
                              f"# {criterion.title}\n\n{text}\n".encode())


def _review(reviewer, stage, outcome: Outcome, conditions=None) -> None:
    if review_perms.must_declare(reviewer, stage):  # as on the stage page, before seeing the submission
        committee.declare(reviewer, stage, False)
    entries = []
    for i, c in enumerate(stage.applicable_criteria()):
        value = VerdictValue.MEETS if i % 5 else VerdictValue.PARTIALLY_MEETS
        rationale = "" if value == VerdictValue.MEETS else "Evidence is adequate but the monitoring plan is thin."
        entries.append(reviews.VerdictEntry(c.id, value, rationale))
    reviews.save_verdicts(reviewer, stage, entries)
    reviews.sign_decision(reviewer, stage, outcome, DEMO_PASSWORD, conditions or [])


def _days_ago(days: float, now: datetime) -> datetime:
    """A working-hours moment ``days`` before ``now`` (the demo's events are not all at one time of day)."""
    moment = now - timedelta(days=days)
    return moment.replace(hour=9 + int(days * 7) % 8, minute=int(days * 37) % 60, second=0, microsecond=0)


def seed_demo(echo=print, *, certificates: bool = True) -> list[User]:
    now = utcnow()
    with clock_at(_days_ago(42, now)):
        users = _users(echo)
        catalog, created = import_catalog_file(None, default_catalog_path())
        if created:
            echo(f"imported catalog {catalog.label}")
        pipeline = ensure_default_pipeline()
    with clock_at(_days_ago(30, now)):  # the whole-lifecycle version came later: older projects keep version 1
        for later in pipelines.ensure_shipped_versions():
            echo(f"published pipeline {later.label}")
    if db.session.scalar(select(Project).limit(1)) is not None:
        echo("demo projects already present")
        _enrol_chairs(users, echo)
        return list(users.values())
    alice, bob, rita, ravi = users["alice"], users["bob"], users["rita"], users["ravi"]

    echo("creating 'Emergency triage assistant' (Design approved and signed, R&D in review)…")
    with clock_at(_days_ago(35, now)):
        triage = projects.create_project(alice, pipeline, {
            **BASE_FIELDS, "name": "Emergency triage assistant",
            "purpose": "Suggests an urgency level for incoming patients; nurses decide.",
            "scenario": "Runs beside the triage desk; suggestions are shown with the factors behind them.",
            "model": "Gradient-boosted trees (in-house), v1.4, trained on 2019-2025 triage records",
            "sector": "health", "public_service": False, "generative_public": False, "user_count": 400,
        }, {**NO, "safety_critical": "yes"})
        design = triage.stages[0]
        _evidence(alice, design, "Use-case brief, impact assessment and oversight design.")
        systems.add_version(alice, triage, "1.4.0", "First version put to review.", [
            ("model", "triage-gbt-1.4.onnx", _digest("triage model 1.4")),
            ("image", "registry.example.org/triage/assistant", _digest("triage image 1.4")),
            ("dataset", "triage-records-2019-2025.parquet", _digest("triage dataset 2025"))])
    with clock_at(_days_ago(33, now)):
        lifecycle.submit_stage(alice, design, "First submission of the design dossier.", design.version)
    with clock_at(_days_ago(30, now)):
        _review(rita, design, Outcome.APPROVE)
    with clock_at(_days_ago(28, now)):
        due = (utcnow() + timedelta(days=60)).date()
        _review(ravi, design, Outcome.APPROVE_WITH_CONDITIONS,
                [reviews.ConditionEntry("Publish the monitoring plan before R&D closes.", alice.id, due)])
    db.session.refresh(triage)
    rnd = triage.stages[1]
    with clock_at(_days_ago(12, now)):
        _evidence(alice, rnd, "Data provenance log and bias report.")
    with clock_at(_days_ago(9, now)):
        lifecycle.submit_stage(alice, rnd, "Data and model documentation.", rnd.version)

    echo("creating 'Customer support chatbot' (generative AI pipeline, Design in review)…")
    with clock_at(_days_ago(24, now)):
        chatbot = projects.create_project(bob, pipelines.current_version("generative-ai") or pipeline, {
            **BASE_FIELDS, "name": "Customer support chatbot",
            "purpose": "Answers customers' questions about orders; hands over to staff on request.",
            "intended_users": "Customers of the online shop.", "system_type": "generative",
            "data_categories": ["personal"], "deployment_context": "public", "scale": "large",
            "scenario": "Chat widget on the shop's help pages.",
            "model": "Hosted large language model (vendor API), pinned version, with retrieval over the help pages",
        }, {**NO, "public_content": "yes"})
        _evidence(bob, chatbot.stages[0], "Use-case brief and labelling approach.")
    with clock_at(_days_ago(19, now)):
        lifecycle.submit_stage(bob, chatbot.stages[0], "", chatbot.stages[0].version)

    echo("creating 'Warehouse demand forecast' (internal-tool pipeline, Design draft)…")
    with clock_at(_days_ago(6, now)):
        projects.create_project(bob, pipelines.current_version("internal-tool") or pipeline, {
            **BASE_FIELDS, "name": "Warehouse demand forecast",
            "purpose": "Forecasts weekly demand per product line.", "intended_users": "Planners.",
            "system_type": "other", "data_categories": ["anonymous"], "autonomy_level": "advisory",
            "scale": "pilot", "scenario": "Weekly batch job feeding the planning spreadsheet.",
        }, NO)

    echo("creating 'Shopper emotion kiosk' (prohibited or escalate: waits for a chair)…")
    with clock_at(_days_ago(2, now)):
        projects.create_project(alice, pipeline, {
            **BASE_FIELDS, "name": "Shopper emotion kiosk",
            "purpose": "Adjusts offers according to shoppers' detected emotions.",
            "intended_users": "Store managers.", "system_type": "biometric", "data_categories": ["biometric"],
            "deployment_context": "public", "autonomy_level": "autonomous", "scale": "large",
            "scenario": "Cameras at store entrances.",
        }, {**NO, "manipulation": "yes", "remote_biometric_public": "yes"})
    _demo_incidents(users, triage, chatbot, now, echo)
    lifecycle_pipeline = pipelines.current_version("standard") or pipeline
    # one lifecycle project only: every decided stage renders a signed record, which the demo's tests pay for
    _demo_blocked_deployment(users, lifecycle_pipeline, now, echo)
    if certificates:
        seed_certificates(users, now, echo)
    _enrol_chairs(users, echo)
    return list(users.values())


def _enrol_chairs(users: dict[str, User], echo) -> None:
    """After the history (its signatures are made without codes): the chairs' authenticator, DEMO_TOTP_SECRET."""
    for user in users.values():
        if mfa.required_for(user) and not mfa.is_enabled(user):
            mfa.enrol_with_secret(user, DEMO_TOTP_SECRET)
            echo(f"two-step verification on for {user.email}")


def _digest(seed: str) -> str:
    """A stable stand-in digest for a demo artifact (the demo ships no model files)."""
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def _pass_stage(owner: User, stage, reviewers: list[User], days: float, now: datetime, note: str) -> None:
    """Evidence, submission and two approvals, a day apart, ``days`` ago."""
    with clock_at(_days_ago(days, now)):
        _evidence(owner, stage, note)
        lifecycle.submit_stage(owner, stage, note, stage.version)
    for i, reviewer in enumerate(reviewers, start=1):
        with clock_at(_days_ago(days - i, now)):
            _review(reviewer, stage, Outcome.APPROVE)
    db.session.refresh(stage)


def _demo_blocked_deployment(users: dict[str, User], pipeline, now: datetime, echo) -> None:
    """A generative service offered to the public, trained above 10^25 FLOP: Design, R&D and Testing approved,
    its TC260 filing recorded, the EU notification missing, so Deployment cannot be submitted."""
    echo("creating 'Public story writer' (standard v3; Deployment blocked by a missing registration filing)…")
    bob, rita, ravi = users["bob"], users["rita"], users["ravi"]
    with clock_at(_days_ago(29, now)):
        writer = projects.create_project(bob, pipeline, {
            **BASE_FIELDS, "name": "Public story writer",
            "purpose": "Writes short stories for children on request, in several languages.",
            "intended_users": "Parents and teachers.", "system_type": "generative", "data_categories": ["anonymous"],
            "deployment_context": "public", "autonomy_level": "advisory", "scale": "large",
            "scenario": "A public web site; stories are labelled as generated.",
            "model": "In-house 70B-parameter language model, v3",
            "sector": "none", "public_service": True, "generative_public": True, "user_count": 1_200_000,
            "training_flop": 3.1e25, "parameter_count": 70_000_000_000,
        }, {**NO, "public_content": "yes"})
        systems.add_version(bob, writer, "3.0.0", "Model v3 with the children's-content filter.", [
            ("model", "storywriter-70b-v3.safetensors", _digest("storywriter model v3")),
            ("image", "registry.example.org/storywriter/api", _digest("storywriter image v3"))])
    for stage, days in zip(writer.stages[:3], (27, 22, 17), strict=True):
        _pass_stage(bob, stage, [rita, ravi], days, now, f"{stage.name} dossier for the story writer.")
    with clock_at(_days_ago(14, now)):
        registration.add_filing(bob, writer, "TC260-GENAI-FILING", "Cyberspace Administration of China",
                                "Filing 110108-2026-0042", _days_ago(15, now).date(), "cac-filing-receipt.pdf",
                                b"%PDF-1.4\n% demo receipt: generative AI service filing 110108-2026-0042\n")
        deployment = writer.stages[3]
        _evidence(bob, deployment, "Release gate checklist and labelling samples.")
    # the EU AI Office notification (EU-AIA-ART52-GPAI-NOTIFICATION) is not filed: Deployment cannot be submitted


def _demo_incidents(users: dict[str, User], triage: Project, chatbot: Project, now: datetime, echo) -> None:
    """An open serious incident on the triage assistant (its report to the authority due soon), and a minor
    one on the chatbot, assessed and closed by the chair."""
    echo("reporting incidents (a serious one open on 'Emergency triage assistant', a minor one closed)…")
    alice, bob, chen = users["alice"], users["bob"], users["chen"]
    with clock_at(_days_ago(3, now)):
        incidents.report_incident(alice, triage, incidents.Report(
            "Chest-pain patients given a low urgency", "During the evening shift the assistant suggested urgency 4 "
            "for two patients with chest pain; the triage nurse overrode it after 40 minutes. Both patients had an "
            "acute coronary syndrome.", "serious", _days_ago(4, now).date(), "health", False, 2,
            "Two patients waited 40 minutes for an ECG.", version_id=systems.current_version(triage).id),
            [incidents.Upload("shift-log.md",
                              b"# Evening shift log\n\n19:40 urgency 4 suggested; 20:20 overridden.\n")],
        )
    with clock_at(_days_ago(15, now)):
        minor = incidents.report_incident(bob, chatbot, incidents.Report(
            "Chatbot quoted an old returns policy", "The chatbot told three customers the returns window was 14 "
            "days; it has been 30 days since May.", "minor", _days_ago(16, now).date(), None, False, 3, ""))
    with clock_at(_days_ago(14, now)):
        incidents.assess(chen, minor, "Stale page in the retrieval index.", "minor", None, False)
    with clock_at(_days_ago(12, now)):
        incidents.close(chen, minor, "Retrieval index rebuilt nightly; the three customers were contacted.")


# -- system certificates (reviewboard/certificates): one valid, one suspended, one revoked -------------------

CERTIFIED_FIELDS = {**BASE_FIELDS, "data_categories": ["personal"], "autonomy_level": "advisory",
                    "scale": "organisation"}


def _certify(users, pipeline, name: str, purpose: str, digest_seed: str, decided_days_ago: int, now: datetime,
             conditions_due_in: int | None = None):
    """A medium-tier internal tool with a version, taken through Design, Testing and Deployment (one signature
    decides each stage of the internal-tool pipeline): the record job issues its certificate."""
    alice, rita, ravi = users["alice"], users["rita"], users["ravi"]
    start = decided_days_ago + 9
    with clock_at(_days_ago(start, now)):
        project = projects.create_project(alice, pipeline, {
            **CERTIFIED_FIELDS, "name": name, "purpose": purpose,
            "scenario": "Used by staff inside the organisation; every output is checked by a person.",
            "model": "Fine-tuned open-weights model, v2.1",
        }, NO)
        systems.add_version(alice, project, "2.1.0", "First release for deployment.", [
            ("model", f"{digest_seed}-model.safetensors", _digest(f"{digest_seed} model 2.1.0")),
            ("image", f"registry.example.org/{digest_seed}", _digest(f"{digest_seed} image 2.1.0"))])
    db.session.refresh(project)
    for offset, stage in zip((8, 4, 0), project.stages, strict=False):
        with clock_at(_days_ago(decided_days_ago + offset + 1, now)):
            _evidence(alice, stage, "Documentation for the stage.")
            lifecycle.submit_stage(alice, stage, "", stage.version)
        with clock_at(_days_ago(decided_days_ago + offset, now)):
            conditions = None
            if stage.code == "DEP" and conditions_due_in is not None:
                due = (utcnow() + timedelta(days=conditions_due_in)).date()
                conditions = [reviews.ConditionEntry("Report the first month's override rate to the committee.",
                                                     alice.id, due)]
            _review(rita if offset else ravi, stage,
                    Outcome.APPROVE_WITH_CONDITIONS if conditions else Outcome.APPROVE, conditions)
    return project


def seed_certificates(users, now: datetime, echo=print) -> None:
    """Three certified systems: one valid and on the public register, one suspended (a condition of its
    Deployment approval is overdue), one revoked by a chair."""
    from flask import current_app

    pipeline = pipelines.current_version("internal-tool") or ensure_default_pipeline()
    chen = users["chen"]
    # the demo revokes and lists what it certifies, in this transaction: the records and certificates are made
    # here (the jobs' own steps, run at once) rather than by a worker after the commit
    mode = current_app.config["JOBS_MODE"]
    current_app.config["JOBS_MODE"] = "inline"
    try:
        _seed_certificates(users, pipeline, chen, now, echo)
    finally:
        current_app.config["JOBS_MODE"] = mode


def _seed_certificates(users, pipeline, chen, now: datetime, echo) -> None:
    from reviewboard.certificates import status as certificate_status
    from reviewboard.certificates.services import latest_certificate
    from reviewboard.register.services import set_listing

    echo("creating 'Radiology report summariser' (certified, on the public register)…")
    valid = _certify(users, pipeline, "Radiology report summariser",
                     "Drafts a plain-language summary of radiology reports for the referring doctor.", "rads", 22, now)
    with clock_at(_days_ago(18, now)):
        set_listing(chen, valid, True, "Drafts plain-language summaries of radiology reports; a radiologist "
                                       "checks every summary before it is sent.")
    echo("creating 'Rota planning assistant' (certified, suspended: a condition is overdue)…")
    suspended = _certify(users, pipeline, "Rota planning assistant",
                         "Proposes nurse rotas from staffing rules and requests.", "rota", 25, now,
                         conditions_due_in=10)
    with clock_at(_days_ago(14, now)):
        set_listing(chen, suspended, True, "Proposes staff rotas; planners review and publish them.")
    echo("creating 'Discharge letter drafter' (certified, then revoked by a chair)…")
    revoked = _certify(users, pipeline, "Discharge letter drafter",
                       "Drafts discharge letters from the patient record.", "dlet", 16, now)
    with clock_at(_days_ago(3, now)):
        certificate_status.revoke(chen, latest_certificate(revoked),
                                  "Deployed to a second hospital outside the scope that was approved.")
    certificate_status.sweep(utcnow().date())  # the overdue condition suspends the second certificate
    for project in (valid, suspended, revoked):
        cert = latest_certificate(project)
        echo(f"  certificate {cert.public_id}: {project.name}, {cert.status}" if cert else
             f"  no certificate for {project.name}")
