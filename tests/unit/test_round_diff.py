"""The resubmission diff and the reopened criteria, computed from two round snapshots (no database)."""

from __future__ import annotations

import copy

from reviewboard.reviews.resubmission import diff_snapshots, reopen_codes


def _snapshot(**project_overrides) -> dict:
    project = {"name": "Triage", "purpose": "Suggests triage levels.", "intended_users": "Nurses.",
               "scenario": "Emergency department.", "system_type": "decision_support",
               "data_categories": ["anonymous"], "deployment_context": "internal", "autonomy_level": "advisory",
               "scale": "pilot", "tier": "medium",
               "answers": {"system_type": "decision_support", "scale": "pilot", "affects_rights": "no",
                           "safety_critical": "no"}}
    project.update(project_overrides)
    return {"project": project, "evidence": [
        {"id": 1, "criterion": "DES-1", "filename": "brief.md", "sha256": "a" * 64, "size": 10},
        {"id": 2, "criterion": "DES-2", "filename": "risks.md", "sha256": "b" * 64, "size": 12},
    ]}


def test_identical_snapshots_show_no_change_but_keep_the_note():
    before = _snapshot()
    diff = diff_snapshots(before, copy.deepcopy(before), before_round=1, after_round=2, note="  Nothing new  ")
    assert not diff.changed
    assert (diff.fields, diff.answers, diff.evidence) == ([], [], [])
    assert diff.note == "Nothing new" and (diff.before_round, diff.after_round) == (1, 2)


def test_changed_fields_are_listed_with_before_and_after_values():
    after = _snapshot(purpose="Suggests triage levels; never decides.", data_categories=["anonymous", "health"])
    diff = diff_snapshots(_snapshot(), after)
    assert [(c.key, c.label, c.before, c.after) for c in diff.fields] == [
        ("purpose", "Purpose", "Suggests triage levels.", "Suggests triage levels; never decides."),
        ("data_categories", "Data categories", "anonymous", "anonymous, health"),
    ]
    assert diff.answers == [] and diff.changed


def test_questionnaire_answers_are_compared_once_each_without_repeating_fields():
    before = _snapshot()
    after = _snapshot(scale="national", answers={**before["project"]["answers"], "scale": "national",
                                                 "safety_critical": "yes", "public_content": "yes"})
    diff = diff_snapshots(before, after, label=lambda k: k.upper())
    assert [c.key for c in diff.fields] == ["scale"]  # the field, not also its copy among the answers
    assert [(c.key, c.label, c.before, c.after) for c in diff.answers] == [
        ("public_content", "PUBLIC_CONTENT", "—", "yes"), ("safety_critical", "SAFETY_CRITICAL", "no", "yes")]


def test_evidence_added_replaced_and_withdrawn():
    before = _snapshot()
    after = _snapshot()
    after["evidence"] = [
        {"id": 3, "criterion": "DES-1", "filename": "brief-v2.md", "sha256": "c" * 64, "size": 11},  # replaces 1
        {"id": 4, "criterion": "DES-3", "filename": "dpia.pdf", "sha256": "d" * 64, "size": 99},  # new criterion
    ]  # 2 (DES-2) withdrawn
    diff = diff_snapshots(before, after)
    assert [(e.kind, e.criterion, e.filename) for e in diff.evidence] == [
        ("replaced", "DES-1", "brief-v2.md"), ("withdrawn", "DES-2", "risks.md"), ("added", "DES-3", "dpia.pdf")]
    replaced = diff.evidence_of("replaced")[0]
    assert (replaced.old_filename, replaced.old_sha256, replaced.sha256) == ("brief.md", "a" * 64, "c" * 64)
    assert [e.filename for e in diff.evidence_of("added")] == ["dpia.pdf"]


def test_a_second_file_on_the_same_criterion_is_added_not_replaced():
    before = _snapshot()
    after = _snapshot()
    after["evidence"].append({"id": 5, "criterion": "DES-1", "filename": "extra.md", "sha256": "e" * 64, "size": 3})
    diff = diff_snapshots(before, after)
    assert [(e.kind, e.filename) for e in diff.evidence] == [("added", "extra.md")]


def test_the_same_bytes_uploaded_again_are_not_reported_as_a_change():
    before = _snapshot()
    after = _snapshot()
    after["evidence"][0] = {**after["evidence"][0], "id": 7}  # withdrawn and uploaded again, identical bytes
    assert diff_snapshots(before, after).evidence == []


def test_reopen_codes_union_of_marks():
    assert reopen_codes([{"DES-1"}, {"DES-3"}, set()], ["DES-1", "DES-2", "DES-3"]) == ["DES-1", "DES-3"]
    assert reopen_codes([{"DES-2"}], ["DES-1", "DES-2", "DES-3"]) == ["DES-2"]


def test_reopen_codes_none_means_every_criterion():
    assert reopen_codes([], ["DES-1", "DES-2"]) is None  # nobody requested changes with marks
    assert reopen_codes([set(), set()], ["DES-1", "DES-2"]) is None  # nobody marked anything
    assert reopen_codes([{"DES-1"}, {"DES-2"}], ["DES-1", "DES-2"]) is None  # "reopen all", or everything marked
