"""An online backup taken while a writer runs restores to a working app whose audit trail verifies."""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import record_event, verify_chain
from reviewboard.extensions import db
from reviewboard.ops.backup import backup, restore
from tests.conftest import make_app
from tests.support.databases import create_pg_database, drop_pg_database, postgres_url


def test_backup_during_writes_restores_and_verifies(committed_app, engine_name, tmp_path, signing_dir):
    stop = threading.Event()
    written = []

    def writer():
        with committed_app.app_context():
            while not stop.is_set():
                record_event(None, "test.write", "thing", len(written))
                db.session.commit()
                written.append(1)
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.5)
    source_url = committed_app.config["SQLALCHEMY_DATABASE_URI"]
    target = tmp_path / ("backup.db" if engine_name == "sqlite" else "backup.dump")
    result = backup(source_url, target)
    time.sleep(0.3)
    stop.set()
    thread.join(30)
    assert written and result.size > 0

    if engine_name == "sqlite":
        restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
        dbname = None
    else:
        dbname = f"rb_restore_{uuid.uuid4().hex[:8]}"
        create_pg_database(dbname)
        restored_url = postgres_url(dbname)
    try:
        restore(target, restored_url)
        restored = make_app(restored_url, tmp_path, signing_dir)
        with restored.app_context():
            count = db.session.scalar(select(func.count()).select_from(AuditEvent))
            check = verify_chain()
            assert check.ok, check.reason
            assert check.checked == count > 0
            record_event(None, "test.after_restore", "thing", 1)  # the restored app works and appends
            db.session.commit()
            assert verify_chain().ok
            db.session.remove()
            db.engine.dispose()
        with committed_app.app_context():
            assert db.session.scalar(select(func.count()).select_from(AuditEvent)) >= count
            db.session.remove()
    finally:
        if dbname:
            drop_pg_database(dbname)
