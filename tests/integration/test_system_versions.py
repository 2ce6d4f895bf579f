"""System versions (reviewboard/systems): digests normalised or refused with a clear message, labels unique
per project, every version audited, and a version whose artifacts differ is a material change that reopens
the stages the re-review rules name. Services on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.reviews.workflow import StageState
from reviewboard.systems.services import (
    ArtifactInput,
    InvalidDigest,
    add_version,
    current_version,
    on_system_retired,
    parse_digest,
    versions_of,
)
from tests.integration.test_rereview import approve, new_project, pipeline_with

HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
OTHER = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"


def test_parse_digest_accepts_sha256_forms_and_normalises_them():
    assert parse_digest(f"sha256:{HEX}") == f"sha256:{HEX}"
    assert parse_digest(f"  SHA256:{HEX.upper()} ") == f"sha256:{HEX}"
    assert parse_digest(HEX) == f"sha256:{HEX}"  # sha256sum's output
    assert parse_digest(f"ghcr.io/acme/triage@sha256:{HEX}") == f"sha256:{HEX}"  # an image pinned by digest


@pytest.mark.parametrize(("text", "message"), [
    ("", "Give the artifact's SHA-256 digest"),
    (f"sha512:{HEX}{HEX}", "uses sha512; only sha256 digests are accepted"),
    (f"sha256:{HEX[:-1]}", "has 63 characters where 64 are needed"),
    (f"sha256:{HEX[:-1]}z", "not hexadecimal"),
    ("md5:d41d8cd98f00b204e9800998ecf8427e", "uses md5"),
])
def test_parse_digest_refuses_what_is_not_a_sha256_and_says_why(text, message):
    with pytest.raises(InvalidDigest, match=message) as caught:
        parse_digest(text)
    assert isinstance(caught.value, ServiceError) and caught.value.field == "artifacts"


def test_a_version_is_stored_with_normalised_digests_and_audited(make, db_session):
    project = make.project()
    version = add_version(project.owner, project, " 1.0.0 ", "First release.",
                          [{"kind": "model", "name": "triage.safetensors", "digest": HEX.upper()},
                           ("image", "ghcr.io/acme/triage", f"sha256:{OTHER}")])
    assert version.label == "1.0.0" and not version.material_change
    assert [(a.kind, a.name, a.digest) for a in version.artifacts] == [
        ("model", "triage.safetensors", f"sha256:{HEX}"), ("image", "ghcr.io/acme/triage", f"sha256:{OTHER}")]
    assert current_version(project) == version and versions_of(project) == [version]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "system.version_added"))
    assert event.object_type == "project" and event.object_id == str(project.id)
    assert f'"digest":"sha256:{HEX}"' in event.payload and '"version":"1.0.0"' in event.payload


def test_the_newest_version_is_current(make):
    project = make.project()
    add_version(project.owner, project, "1.0", "", [("model", "m.bin", HEX)])
    second = add_version(project.owner, project, "1.1", "Same weights, new notes.", [("model", "m.bin", HEX)])
    assert current_version(project) == second and [v.label for v in versions_of(project)] == ["1.1", "1.0"]
    assert not second.material_change  # same artifacts: nothing to re-review


@pytest.mark.parametrize(("label", "artifacts", "field", "message"), [
    ("", [("model", "m.bin", HEX)], "label", "Give the version a label"),
    ("x" * 81, [("model", "m.bin", HEX)], "label", "at most 80"),
    ("2.0", [], "artifacts", "at least one artifact"),
    ("2.0", [("weights", "m.bin", HEX)], "artifacts", "kind 'weights' is not one of"),
    ("2.0", [("model", "", HEX)], "artifacts", "give the artifact's name"),
    ("2.0", [("model", "m.bin", "sha256:abc")], "artifacts", "Artifact 1: The digest 'sha256:abc' is not a SHA-256"),
    ("2.0", [ArtifactInput("model", "m.bin", HEX, 1), ArtifactInput("model", "m.bin", OTHER, 3)], "artifacts",
     "Line 3: the model 'm.bin' is listed twice"),
])
def test_bad_versions_are_refused_with_a_field_error_and_nothing_stored(make, db_session, label, artifacts, field,
                                                                       message):
    project = make.project()
    with pytest.raises(ServiceError, match=message) as caught:
        add_version(project.owner, project, label, "", artifacts)
    assert caught.value.field == field
    assert versions_of(project) == []


def test_a_label_is_unique_per_project_but_not_across_projects(make):
    project, other = make.project(), make.project()
    add_version(project.owner, project, "1.0", "", [("model", "m.bin", HEX)])
    with pytest.raises(ServiceError, match="already has a version 1.0") as caught:
        add_version(project.owner, project, "1.0", "", [("model", "m.bin", OTHER)])
    assert caught.value.field == "label"
    assert add_version(other.owner, other, "1.0", "", [("model", "m.bin", HEX)]).label == "1.0"


def test_only_members_add_versions_and_not_once_the_system_is_retired(make):
    project = make.project()
    for outsider in (make.user("submitter"), make.user("reviewer"), make.user("chair")):
        with pytest.raises(NotPermitted):
            add_version(outsider, project, "1.0", "", [("model", "m.bin", HEX)])
    on_system_retired(None, project)
    with pytest.raises(NotPermitted, match="retired"):
        add_version(project.owner, project, "1.0", "", [("model", "m.bin", HEX)])


def test_new_artifacts_are_a_material_change_that_reopens_the_stages_the_rules_name(make, db_session):
    pipeline = pipeline_with(db_session, "DES", "DEV", "TST", "DEP")
    project = new_project(make, pipeline)
    add_version(project.owner, project, "1.0", "", [("model", "m.bin", HEX)])
    des, dev, tst, dep = (approve(make, stage) for stage in project.stages)

    version = add_version(project.owner, project, "2.0", "Retrained.", [("model", "m.bin", OTHER)])

    assert version.material_change
    assert des.state == StageState.APPROVED and dev.state == StageState.APPROVED  # rules: TST, DEP, OPS
    assert tst.state == StageState.DRAFT and dep.state == StageState.DRAFT
    reopened = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "stage.reopened")).all()
    assert {e.object_id for e in reopened} == {str(tst.id), str(dep.id)}
    assert all('"fields":["artifacts"]' in e.payload and '"trigger":"material_change"' in e.payload
               for e in reopened)


def test_retiring_a_system_is_audited_once(make, db_session):
    project = make.project()
    on_system_retired(None, project)
    on_system_retired(None, project)
    assert project.retired
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "system.retired")).all()
    assert len(events) == 1
