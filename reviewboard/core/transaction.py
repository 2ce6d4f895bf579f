"""What a database transaction has learnt about itself and may rely on until it ends: the stage rows it has
locked, the audit chain's head once it holds the chain's lock.

Kept with the connection (``Connection.info``), because that is where the transaction and its locks live: two
sessions that share one connection (the test suite's requests inside a test's transaction) share them too.
Forgotten whenever a transaction or a savepoint on the connection begins or ends, committed or rolled back (a
savepoint rolled back releases the locks taken in it, and takes its rows back), so nothing outlives the
transaction that made it true. Forgetting too much only costs a query again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

_KEY = "reviewboard.transaction"


def facts(session: Session) -> dict[str, Any]:
    """The current transaction's facts (an empty dict at its start); callers add their own keys."""
    return session.connection().info.setdefault(_KEY, {})


def _forget(connection: Connection, *_args) -> None:
    connection.info.pop(_KEY, None)


for _name in ("begin", "commit", "rollback", "release_savepoint", "rollback_savepoint"):
    event.listen(Engine, _name, _forget)
