"""Projects taken through Deployment with a system version, so that a certificate is issued (through the
real services: versions, evidence, submissions, signatures, the record job and the certificate job)."""

from __future__ import annotations

from sqlalchemy import select

from reviewboard.certificates.models import Certificate
from reviewboard.reviews import lifecycle
from reviewboard.reviews.workflow import Outcome

MODEL_DIGEST = "sha256:" + "ab" * 32
IMAGE_DIGEST = "sha256:" + "cd" * 32


def add_version(project, label="1.0.0", artifacts=None):
    from reviewboard.systems.services import add_version as add

    artifacts = artifacts or [("model", "triage-model.onnx", MODEL_DIGEST),
                              ("image", "registry.example/triage@sha256", IMAGE_DIGEST)]
    return add(project.owner, project, label, "Release notes.", artifacts)


def pass_stage(make, stage, reviewers, outcome=Outcome.APPROVE, conditions=None):
    make.evidence(stage)
    lifecycle.submit_stage(stage.project.owner, stage, "", stage.version)
    for reviewer in reviewers:
        make.sign(reviewer, stage, outcome, conditions)


def certified(make, *, conditions=None, project=None, **fields):
    """A project whose stages up to Deployment are approved (Deployment with ``conditions`` when given) and
    its certificate. Returns (project, certificate, reviewers)."""
    project = project or make.project(**fields)
    add_version(project)
    reviewers = make.reviewers()
    for stage in project.stages:
        dep = stage.code == "DEP"
        pass_stage(make, stage, reviewers,
                   Outcome.APPROVE_WITH_CONDITIONS if dep and conditions else Outcome.APPROVE,
                   conditions if dep else None)
        if dep:
            break
    cert = make.session.scalar(select(Certificate).where(Certificate.project_id == project.id)
                               .order_by(Certificate.id.desc()).limit(1))
    return project, cert, reviewers
