# ruff: noqa: S608  (the SQL below is composed of integers and table names, never of input)
"""Seeding a PostgreSQL database with N projects for bench/http.py, in minutes.

A few template projects are made through the services (so every row obeys the app's rules, and the decided
ones carry real signed records), then cloned by set-based SQL (INSERT ... SELECT over generate_series) with
their stages, submission rounds, verdicts, sign-offs, declarations, assignments, members and conditions,
plus five audit events per project (one in a thousand a security alert). Cloned rows are valid for every
constraint and every page; the cloned audit events are not chained (``audit verify`` is not what this
measures), and a decision cloned from a template has a record row of its own whose file is a few placeholder bytes
(the templates' records are real signed PDFs).

The mix, per 100 projects: 3 in review (one of them with a signature in), 1 with a stage approved and the
next in review, 10 approved with conditions and the next stage a draft, 2 with changes requested, 1
rejected, the other 83 drafts. A committee's queue is a small part of everything registered.
"""

from __future__ import annotations

import time
from datetime import timedelta

from bench.list_scale import _clone, _sql

STAGE_SLOTS = 16  # stage ids per project (more than any pipeline's stages)
ROUND_SLOTS = 8  # round ids per stage

# kind -> how many of each 100 cloned projects
MIX = {"review": 2, "review_signed": 1, "review_next": 1, "conditions": 10, "changes": 2, "rejected": 1,
       "draft": 83}


BENCH_TOTP_SECRET = "REVIEWBOARDBENCHCHAIRTOTPSECRET2"  # noqa: S105 - a throwaway database's chair


def seed_templates(make) -> dict:
    """One or two projects of each kind, made through the services (records are really rendered and signed).
    Returns the people and the template project ids by kind."""
    from reviewboard.models.base import utcnow
    from reviewboard.reviews import lifecycle
    from reviewboard.reviews import services as reviews
    from reviewboard.reviews.workflow import Outcome

    owners = [make.user("submitter") for _ in range(3)]
    reviewers = make.reviewers(3)
    chair = make.user("chair", "reviewer")
    # chairs must use two-step verification (MFA_REQUIRED_ROLES, production's default): the bench signs in
    # with a code from this authenticator secret (bench/http.py, Browser.login)
    from reviewboard.mfa import services as mfa

    mfa.enrol_with_secret(chair, BENCH_TOTP_SECRET)
    kinds: dict[str, list[int]] = {k: [] for k in MIX}

    def submitted(owner, stage):
        make.evidence(stage, actor=owner)
        lifecycle.submit_stage(owner, stage, "", stage.version)

    due = (utcnow() + timedelta(days=20)).date()
    for i in range(2):
        owner = owners[i % len(owners)]
        kinds["draft"].append(make.project(owner).id)
        kinds["draft"].append(make.project(owner, data_categories=["personal"], answers={"affects_rights": "yes"}).id)
        project = make.project(owner)
        submitted(owner, project.stages[0])
        if i == 1:  # a chair's assignments: this one is for two reviewers only (not the queue's reviewer)
            reviews.assign_reviewer(chair, project.stages[0], reviewers[0])
            reviews.assign_reviewer(chair, project.stages[0], reviewers[1])
        kinds["review"].append(project.id)
    project = make.project(owners[1])
    submitted(owners[1], project.stages[0])
    make.sign(reviewers[0], project.stages[0])
    kinds["review_signed"].append(project.id)
    project = make.project(owners[2])
    submitted(owners[2], project.stages[0])
    make.sign(reviewers[0], project.stages[0], Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[reviews.ConditionEntry("Publish the model card.", owners[2].id, due)])
    make.sign(reviewers[1], project.stages[0])
    kinds["conditions"].append(project.id)
    project = make.project(owners[0])
    submitted(owners[0], project.stages[0])
    make.sign(reviewers[0], project.stages[0])
    make.sign(reviewers[1], project.stages[0])
    submitted(owners[0], project.stages[1])
    kinds["review_next"].append(project.id)
    project = make.project(owners[1])
    submitted(owners[1], project.stages[0])
    make.sign(reviewers[0], project.stages[0], Outcome.REQUEST_CHANGES)
    make.sign(reviewers[1], project.stages[0], Outcome.REQUEST_CHANGES)
    kinds["changes"].append(project.id)
    project = make.project(owners[2])
    submitted(owners[2], project.stages[0])
    make.sign(reviewers[0], project.stages[0], Outcome.REJECT)
    make.sign(reviewers[1], project.stages[0], Outcome.REJECT)
    kinds["rejected"].append(project.id)
    make.session.commit()
    # the queue's reviewer (nothing signed), the chair, the owner of the template approved with conditions
    return {"reviewer": reviewers[2].id, "chair": chair.id, "submitter": owners[2].id, "kinds": kinds}


def _pick(kinds: dict[str, list[int]]) -> str:
    """SQL: the template of clone g, by g % 100 (MIX), cycling through the templates of each kind."""
    cases, start = [], 0
    for kind, share in MIX.items():
        ids = kinds[kind]
        cases.append(f"WHEN g % 100 < {start + share} THEN (ARRAY{ids})[1 + (g / 100) % {len(ids)}]")
        start += share
    return "CASE " + " ".join(cases) + " END"


def clone_projects(conn, n: int, kinds: dict[str, list[int]], progress=print) -> None:
    """n projects more, cloned from the templates by set-based SQL."""
    one = lambda sql: _sql(conn, sql).scalar()  # noqa: E731
    p0, s0, r0, u0 = (one(f'SELECT coalesce(max(id), 0) FROM "{t}"')
                      for t in ("project", "stage_review", "submission_round", "user"))
    owners = max(n // 20, 1)  # about 20 projects each
    started = time.perf_counter()

    def step(label: str, sql_or_clone) -> None:
        t0 = time.perf_counter()
        sql_or_clone()
        progress(f"    {label:<22} {time.perf_counter() - t0:7.1f} s  (total {time.perf_counter() - started:6.1f} s)")

    _sql(conn, f"CREATE TEMP TABLE bench_map AS SELECT g, {p0} + g AS id, {_pick(kinds)} AS template "
               f"FROM generate_series(1, {n}) g")
    _sql(conn, "CREATE INDEX ON bench_map (template)")
    template_owner = one(f"SELECT owner_id FROM project WHERE id = {kinds['draft'][0]}")
    new_owner = f"CASE WHEN m.g % {owners} = 0 THEN tp.owner_id ELSE {u0} + m.g % {owners} END"
    step("users", lambda: _clone(
        conn, "user", f'FROM "user" t CROSS JOIN generate_series(1, {owners - 1}) g WHERE t.id = {template_owner}',
        {"id": f"{u0} + g", "email": "'owner' || g || '@bench.example'", "name": "'Owner ' || g"}))
    step("user roles", lambda: _sql(conn, f"INSERT INTO user_role (user_id, role) SELECT {u0} + g, r.role "
                                          f"FROM user_role r CROSS JOIN generate_series(1, {owners - 1}) g "
                                          f"WHERE r.user_id = {template_owner}"))
    age = f"(({n} - m.g) || ' minutes')::interval"
    step("projects", lambda: _clone(
        conn, "project", "FROM bench_map m JOIN project t ON t.id = m.template JOIN project tp ON tp.id = t.id",
        {"id": "m.id", "name": "CASE WHEN m.g % 100 = 50 THEN 'Credit scoring ' || m.g ELSE t.name || ' ' || m.g END",
         "owner_id": new_owner, "updated_at": f"t.updated_at - {age}", "created_at": f"t.created_at - {age}"}))
    step("project members", lambda: _clone(
        conn, "project_member", "FROM bench_map m JOIN project tp ON tp.id = m.template "
        "JOIN project_member t ON t.project_id = tp.id",
        {"id": None, "project_id": "m.id",
         "user_id": f"CASE WHEN t.user_id = tp.owner_id THEN {new_owner} ELSE t.user_id END"}))
    stage_id = f"{s0} + (m.g - 1) * {STAGE_SLOTS} + s.position"
    round_id = f"{r0} + ((m.g - 1) * {STAGE_SLOTS} + s.position) * {ROUND_SLOTS} + r.number"
    stages = "FROM bench_map m JOIN stage_review s ON s.project_id = m.template"
    rounds = stages + " JOIN submission_round r ON r.stage_review_id = s.id"
    step("stages", lambda: _clone(conn, "stage_review", "FROM bench_map m JOIN stage_review t "
                                  "ON t.project_id = m.template",
                                  {"id": f"{s0} + (m.g - 1) * {STAGE_SLOTS} + t.position", "project_id": "m.id",
                                   "submitted_at": f"t.submitted_at - {age}", "decided_at": f"t.decided_at - {age}"}))
    step("submission rounds", lambda: _clone(
        conn, "submission_round", stages + " JOIN submission_round t ON t.stage_review_id = s.id",
        {"id": f"{r0} + ((m.g - 1) * {STAGE_SLOTS} + s.position) * {ROUND_SLOTS} + t.number",
         "stage_review_id": stage_id, "submitted_at": f"t.submitted_at - {age}",
         "decided_at": f"t.decided_at - {age}"}))
    for table in ("verdict", "signoff"):
        step(f"{table}s", lambda table=table: _clone(
            conn, table, rounds + f' JOIN "{table}" t ON t.round_id = r.id', {"id": None, "round_id": round_id}))
    for table in ("review_assignment", "conflict_declaration"):
        step(f"{table}s", lambda table=table: _clone(
            conn, table, stages + f' JOIN "{table}" t ON t.stage_review_id = s.id',
            {"id": None, "stage_review_id": stage_id}))
    step("conditions", lambda: _clone(
        conn, "condition", stages + ' JOIN project tp ON tp.id = m.template '
        'JOIN "condition" t ON t.stage_review_id = s.id',
        {"id": None, "stage_review_id": stage_id, "owner_id": new_owner}))
    # a record for every decided round of a clone: the template's row with its own public id and digests, a file of a
    # few bytes (a record's file digest is unique; 100 KB each would be 12 GB at 1,000,000 projects), the
    # template's record.json. The bench's download reads a template's record, a real signed PDF.
    clone_id = "m.id::text || '-' || t.id::text"
    placeholder = f"'%PDF-1.7 bench ' || {clone_id}"
    step("records", lambda: _clone(
        conn, "record", stages + " JOIN record t ON t.stage_review_id = s.id",
        {"id": None, "stage_review_id": stage_id,
         "public_id": "'RB-' || lpad(m.id::text, 7, '0') || right(t.public_id, 4)",
         "issued_at": f"t.issued_at - {age}", "pdf": f"convert_to({placeholder}, 'UTF8')",
         "pdf_size": f"octet_length({placeholder})",
         "pdf_sha256": f"md5('pdf ' || {clone_id}) || md5('file ' || {clone_id})",
         "content_sha256": f"md5('content ' || {clone_id}) || md5('json ' || {clone_id})"}))
    h = one("SELECT coalesce(max(seq), 0) FROM audit_event")
    # 5 events a project, one second apart, the newest now; one in 1,000 a security alert
    step("audit events", lambda: _sql(
        conn,
        "INSERT INTO audit_event (seq, created_at, actor_id, actor_name, action, object_type, object_id, payload, "
        "prev_hash, entry_hash, entry_mac) "
        f"SELECT {h} + i, now() - (({5 * n} - i) || ' seconds')::interval, NULL, 'bench', "
        "CASE WHEN i % 1000 = 0 THEN 'security.alert' ELSE 'project.updated' END, 'project', "
        f"({p0} + 1 + (i - 1) / 5)::text, '{{}}', repeat('0', 64), md5(i::text) || md5('x' || i), NULL "
        f"FROM generate_series(1, {5 * n}) i"))
    for table in ("user", "project", "project_member", "stage_review", "submission_round", "verdict", "signoff",
                  "review_assignment", "conflict_declaration", "condition", "record"):
        _sql(conn, f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                   f'(SELECT coalesce(max(id), 1) FROM "{table}"))')
    _sql(conn, "DROP TABLE bench_map")
