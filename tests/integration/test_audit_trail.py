"""The audit trail is tamper-evident: every kind of tampering makes `reviewboard audit verify` exit 1
and name the first bad sequence number. Tampering is done the way an attacker with database access
would: with the append-only triggers disabled inside the (rolled-back) test transaction."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import func, select, text

from reviewboard.audit import anchors
from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import chain_hash, record_event


@pytest.fixture()
def cli(app, db_session):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture()
def trail(make, db_session):
    """A trail with at least 30 events; returns the first and last seq written by this test."""
    first = (db_session.scalar(select(func.max(AuditEvent.seq))) or 0) + 1
    actor = make.user("chair")
    for i in range(30):
        record_event(actor, "test.event", "thing", i, after={"n": i})
    db_session.flush()
    last = db_session.scalar(select(func.max(AuditEvent.seq)))
    return first, last


def _unguard(session):
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))


def _row(session, seq):
    return session.execute(select(AuditEvent.__table__).where(AuditEvent.seq == seq)).mappings().one()


def _failed_at(cli, seq):
    result = cli("audit", "verify")
    assert result.exit_code == 1, result.output
    assert f"FAILED at seq {seq}:" in result.output, result.output
    return result.output


def test_intact_trail_verifies(cli, trail):
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output and "HMAC checked on 0 row" not in result.output


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'x' WHERE seq = :seq",
                                       "DELETE FROM audit_event WHERE seq = :seq"])
def test_database_refuses_update_and_delete(db_session, trail, statement):
    from sqlalchemy.exc import DBAPIError

    _, last = trail
    nested = db_session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text(statement), {"seq": last})
    nested.rollback()


def test_changed_field_is_named(cli, db_session, trail):
    first, last = trail
    seq = first + 7
    _unguard(db_session)
    payload = json.loads(_row(db_session, seq)["payload"])
    payload["after"] = {"n": 999}
    db_session.execute(text("UPDATE audit_event SET payload = :p WHERE seq = :s"),
                       {"p": json.dumps(payload, sort_keys=True, separators=(",", ":")), "s": seq})
    assert "row altered" in _failed_at(cli, seq)


def test_changed_indexed_column_is_named(cli, db_session, trail):
    first, _ = trail
    _unguard(db_session)
    db_session.execute(text("UPDATE audit_event SET action = 'record.deleted' WHERE seq = :s"), {"s": first + 3})
    _failed_at(cli, first + 3)


def test_deleted_row_is_named(cli, db_session, trail):
    first, _ = trail
    _unguard(db_session)
    db_session.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": first + 5})
    assert "gap" in _failed_at(cli, first + 5)


def test_swapped_rows_are_named(cli, db_session, trail):
    first, _ = trail
    a, b = first + 10, first + 11
    _unguard(db_session)
    ra, rb = _row(db_session, a), _row(db_session, b)
    cols = ("payload", "prev_hash", "entry_hash", "entry_mac", "action", "object_id")
    db_session.execute(text("UPDATE audit_event SET entry_hash = :h WHERE seq = :s"), {"h": "f" * 64, "s": a})
    for target, source in ((b, ra), (a, rb)):
        db_session.execute(text("UPDATE audit_event SET " + ", ".join(f"{c} = :{c}" for c in cols) + " WHERE seq = :s"),
                           {**{c: source[c] for c in cols}, "s": target})
    _failed_at(cli, a)


def test_forged_row_is_named(cli, db_session, trail):
    _, last = trail
    _unguard(db_session)
    head = _row(db_session, last)
    payload = json.dumps({"seq": last + 1, "action": "stage.decided", "object": {"type": "stage_review", "id": "1"}},
                         sort_keys=True, separators=(",", ":"))
    # a forger who knows the hashing scheme but not the HMAC key
    db_session.execute(AuditEvent.__table__.insert().values(
        seq=last + 1, created_at=head["created_at"], actor_id=None, actor_name="Mallory", action="stage.decided",
        object_type="stage_review", object_id="1", payload=payload, prev_hash=head["entry_hash"],
        entry_hash=chain_hash(head["entry_hash"], payload), entry_mac="0" * 64))
    assert "HMAC" in _failed_at(cli, last + 1)


def _rewrite_from(session, start, last, *, key=None):
    """Change row ``start`` and recompute every hash after it (and the HMACs, when given the key)."""
    prev = _row(session, start - 1)["entry_hash"]
    for seq in range(start, last + 1):
        row = _row(session, seq)
        payload = row["payload"]
        if seq == start:
            body = json.loads(payload)
            body["actor_name"] = "Someone Else"
            payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        entry = chain_hash(prev, payload)
        mac = anchors.entry_mac(key, entry) if key else row["entry_mac"]
        session.execute(text("UPDATE audit_event SET payload = :p, prev_hash = :ph, entry_hash = :h, "
                             "entry_mac = :m WHERE seq = :s"), {"p": payload, "ph": prev, "h": entry, "m": mac,
                                                                 "s": seq})
        prev = entry


def test_forged_row_without_hmac_after_protected_rows_is_named(cli, db_session, trail):
    _, last = trail
    _unguard(db_session)
    db_session.execute(text("UPDATE audit_event SET entry_mac = NULL WHERE seq = :s"), {"s": last})
    assert "HMAC missing" in _failed_at(cli, last)


def test_rewritten_chain_is_caught_by_the_hmac_at_its_first_row(cli, db_session, trail):
    first, last = trail
    _unguard(db_session)
    _rewrite_from(db_session, first + 12, last)
    assert "rewritten" in _failed_at(cli, first + 12)


def test_rewrite_with_a_stolen_hmac_key_is_caught_by_the_signed_checkpoint(cli, db_session, trail, app):
    first, last = trail
    earlier = [cp.seq for cp in anchors.checkpoints() if cp.seq < first + 12]
    checkpoint = anchors.create_checkpoint("test")
    assert checkpoint.seq == last
    _unguard(db_session)
    _rewrite_from(db_session, first + 12, last, key=anchors.mac_key())
    # every row after the last good checkpoint up to the signed head is suspect
    output = _failed_at(cli, max(earlier, default=0) + 1)
    assert "differs from the signed checkpoint" in output


def test_dropped_newest_rows_are_caught_by_the_checkpoint(cli, db_session, trail):
    _, last = trail
    anchors.create_checkpoint("test")
    _unguard(db_session)
    db_session.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": last - 3})
    assert "newest rows dropped" in _failed_at(cli, last - 2)


def test_forged_checkpoint_signature_is_refused(cli, db_session, trail):
    cp = anchors.create_checkpoint("test")
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER"))
    else:
        db_session.execute(text("DROP TRIGGER audit_checkpoint_no_update"))
    db_session.execute(text("UPDATE audit_checkpoint SET head_hash = :h WHERE id = :i"), {"h": "a" * 64, "i": cp.id})
    db_session.expire_all()
    assert "disagree" in _failed_at(cli, cp.seq)


def test_any_single_byte_change_in_a_payload_is_caught(cli, db_session, trail):
    first, last = trail
    _unguard(db_session)
    rng = random.Random(20261128)
    seq = rng.randint(first, last)
    payload = _row(db_session, seq)["payload"]
    for _ in range(5):
        i = rng.randrange(len(payload))
        changed = payload[:i] + chr((ord(payload[i]) + 1) % 128 or 65) + payload[i + 1:]
        nested = db_session.begin_nested()
        db_session.execute(text("UPDATE audit_event SET payload = :p WHERE seq = :s"), {"p": changed, "s": seq})
        _failed_at(cli, seq)
        nested.rollback()


# -- the unanchored tail: events after the newest signed checkpoint --------------------------------

@pytest.fixture()
def five_minutes(app, monkeypatch):
    """The production interval (tests default to a day: a checkpoint costs a key load and a signature)."""
    from reviewboard.config import Defaults

    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_INTERVAL", Defaults.AUDIT_CHECKPOINT_INTERVAL)
    return Defaults.AUDIT_CHECKPOINT_INTERVAL


def _later(monkeypatch, delta):
    """Move the clock of every ``utcnow()`` (events, checkpoints, the CLI's age of the tail) by ``delta``."""
    from reviewboard.models import base

    shifted = base.utcnow() + delta
    real_now = base.datetime.now
    started = real_now(base.UTC)
    monkeypatch.setattr(base, "utcnow", lambda: shifted + (real_now(base.UTC) - started))
    monkeypatch.setattr(anchors, "utcnow", base.utcnow)
    import reviewboard.audit.services as audit_services

    monkeypatch.setattr(audit_services, "utcnow", base.utcnow)


def _newest_checkpoint(db_session):
    from reviewboard.audit.models import AuditCheckpoint

    return db_session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()


def _head(db_session):
    return db_session.scalar(select(func.max(AuditEvent.seq)))


def test_the_default_interval_is_five_minutes_and_the_environment_can_change_it():
    from datetime import timedelta

    from reviewboard.config import Defaults, from_environment

    assert Defaults.AUDIT_CHECKPOINT_INTERVAL == timedelta(minutes=5)
    found = from_environment({"REVIEWBOARD_AUDIT_CHECKPOINT_INTERVAL": "2m"})
    assert found["AUDIT_CHECKPOINT_INTERVAL"] == timedelta(minutes=2)


def test_an_event_after_the_interval_is_anchored_with_everything_before_it(make, db_session, monkeypatch,
                                                                          five_minutes):
    from datetime import timedelta

    actor = make.user("chair")
    anchors.create_checkpoint("test")
    record_event(actor, "test.event", "thing", 1)
    assert _newest_checkpoint(db_session).seq == _head(db_session) - 1  # within the interval: not yet
    _later(monkeypatch, five_minutes + timedelta(seconds=5))
    record_event(actor, "test.event", "thing", 2)
    newest = _newest_checkpoint(db_session)
    assert newest.reason == "interval" and newest.seq == _head(db_session)


def test_checkpoint_if_stale_signs_only_new_events_after_the_interval(cli, make, db_session, monkeypatch,
                                                                     five_minutes):
    from datetime import timedelta

    actor = make.user("chair")
    record_event(actor, "test.event", "thing", 1)
    anchors.create_checkpoint("test")
    _later(monkeypatch, timedelta(minutes=20))
    assert "No checkpoint needed" in cli("audit", "checkpoint", "--if-stale").output  # nothing new
    record_event(actor, "test.event", "thing", 2)  # (this one anchors itself: the checkpoint is 20 min old)
    anchored = _newest_checkpoint(db_session)
    assert anchored.seq == _head(db_session)
    record_event(actor, "test.event", "thing", 3)
    assert "No checkpoint needed" in cli("audit", "checkpoint", "--if-stale").output  # a fresh checkpoint
    _later(monkeypatch, timedelta(minutes=30))
    result = cli("audit", "checkpoint", "--if-stale")
    assert result.exit_code == 0 and f"seq {_head(db_session)}," in result.output


def test_verify_reports_the_tail_and_max_tail_fails_when_it_is_older(cli, make, db_session, monkeypatch,
                                                                     five_minutes):
    from datetime import timedelta

    actor = make.user("chair")
    anchors.create_checkpoint("test")
    anchored = _head(db_session)
    for i in range(3):
        record_event(actor, "test.event", "thing", i)

    fresh = cli("audit", "verify", "--max-tail", "10m")
    assert fresh.exit_code == 0, fresh.output
    assert f"Tail: 3 event(s) after the last signed checkpoint (seq {anchored}," in fresh.output

    _later(monkeypatch, timedelta(minutes=15))
    stale = cli("audit", "verify", "--max-tail", "10m")
    assert stale.exit_code == 1, stale.output
    assert "FAILED: 3 event(s) have gone 15 minutes without a signed checkpoint, longer than --max-tail " \
           "10 minutes allows" in stale.output
    assert cli("audit", "verify").exit_code == 0  # without --max-tail the tail is reported, not judged
    assert cli("audit", "verify", "--max-tail", "1h").exit_code == 0
    bad = cli("audit", "verify", "--max-tail", "soon")
    assert bad.exit_code == 2 and "'soon'" in bad.output


def test_events_a_checkpoint_covered_cannot_be_deleted_unseen_but_the_tail_can(cli, make, db_session, monkeypatch,
                                                                              five_minutes):
    """The scenario of issue 10: delete the newest rows with the triggers dropped. Rows in the unanchored tail
    go unseen (the report shows how few and how young they are); once the interval anchored them, their
    deletion is caught."""
    from datetime import timedelta

    actor = make.user("chair")
    anchors.create_checkpoint("test")
    for i in range(4):
        record_event(actor, "test.event", "thing", i)
    head = _head(db_session)
    _unguard(db_session)
    nested = db_session.begin_nested()
    db_session.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": head - 2})
    unseen = cli("audit", "verify")
    assert unseen.exit_code == 0 and "Tail: 2 event(s)" in unseen.output
    nested.rollback()

    _later(monkeypatch, timedelta(minutes=6))
    cli("audit", "checkpoint", "--if-stale")  # what the cron job does every minute
    assert _newest_checkpoint(db_session).seq == head
    db_session.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": head - 2})
    assert "newest rows dropped" in _failed_at(cli, head - 1)


def test_every_record_issue_writes_a_signed_checkpoint(make, db_session):
    from reviewboard.audit.models import AuditCheckpoint

    stage = make.submitted_stage()
    before = db_session.scalar(select(func.count()).select_from(AuditCheckpoint))
    a, b = make.reviewers()
    make.sign(a, stage)
    make.sign(b, stage)
    after = db_session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    assert len(after) == before + 1
    assert after[-1].reason == "record.issued"
    assert anchors.checkpoint_problem(after[-1], anchors.trust_root_certs()) is None


def test_a_server_process_anchors_a_quiet_trail_without_cron(tmp_path, signing_dir, monkeypatch):
    """reviewboard serve's workers run anchor_in_background(): the last events before a quiet spell get their
    signed checkpoint once they are AUDIT_CHECKPOINT_INTERVAL old, with no further event and no cron job."""
    import os
    import time
    from datetime import timedelta

    from reviewboard.extensions import db
    from tests.conftest import make_app, prepare_schema

    monkeypatch.setenv("REVIEWBOARD_INSTANCE_PATH", os.environ.get("REVIEWBOARD_INSTANCE_PATH", str(tmp_path)))
    monkeypatch.setattr(anchors, "ANCHOR_POLL", timedelta(seconds=0.2))
    app = make_app(f"sqlite:///{tmp_path / 'anchor.db'}", tmp_path, signing_dir,
                   AUDIT_CHECKPOINT_INTERVAL=timedelta(seconds=1))
    prepare_schema(app)
    with app.app_context():
        anchors.create_checkpoint("test")
        for i in range(2):
            record_event(None, "test.event", "thing", i)
        db.session.commit()
        head = db.session.scalar(select(func.max(AuditEvent.seq)))
        assert anchors.unanchored_tail(head).events == 2

    stop = anchors.anchor_in_background(app)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with app.app_context():
                tail = anchors.unanchored_tail(head)
                db.session.remove()
            if tail.events == 0:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        with app.app_context():
            db.engine.dispose()
    assert tail.events == 0 and tail.checkpoint_seq == head


def _statements(db_session, work):
    """The SQL statements ``work()`` sends (and what it returns)."""
    from sqlalchemy import event

    sent = []
    engine = db_session.get_bind().engine

    def note(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        return sent, work()
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_transactions_events_read_the_head_once_and_are_chained_in_order(cli, make, db_session):
    """A sign-off writes several events in one transaction: the first takes the chain's lock and reads its head,
    the others link on in memory, each is written as it is made, in order, and the chain verifies."""
    actor = make.user("chair")
    first = record_event(actor, "test.event", "thing", 0)  # this transaction holds the chain from here on

    def five_more():
        made = [record_event(actor, "test.event", "thing", i, after={"n": i}) for i in range(1, 6)]
        db_session.flush()
        return made

    sent, events = _statements(db_session, five_more)
    assert not [s for s in sent if "pg_advisory_xact_lock" in s or "FROM audit_event" in s], sent
    assert len([s for s in sent if s.startswith("INSERT INTO audit_event")]) == 5, sent
    assert [e.seq for e in events] == list(range(first.seq + 1, first.seq + 6))
    assert [e.prev_hash for e in events] == [first.entry_hash] + [e.entry_hash for e in events[:-1]]
    stored = db_session.scalars(select(AuditEvent).where(AuditEvent.seq > first.seq).order_by(AuditEvent.seq)).all()
    assert [(e.object_id, e.prev_hash, e.entry_hash) for e in stored] == [
        (str(i), e.prev_hash, e.entry_hash) for i, e in enumerate(events, 1)]
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output


def test_events_rolled_back_with_a_savepoint_leave_no_gap_in_the_chain(cli, make, db_session):
    actor = make.user("chair")
    kept = record_event(actor, "test.event", "thing", "kept")
    savepoint = db_session.begin_nested()
    undone = record_event(actor, "test.event", "thing", "undone")
    assert undone.seq == kept.seq + 1
    savepoint.rollback()
    after = record_event(actor, "test.event", "thing", "after")
    db_session.flush()
    assert (after.seq, after.prev_hash) == (kept.seq + 1, kept.entry_hash)
    assert db_session.scalar(select(func.max(AuditEvent.seq))) == after.seq
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
