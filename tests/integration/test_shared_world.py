"""A world built once for a module (tests/conftest.py, ``world_connection``) is there in each of its tests, and
what one test changes in it is gone in the next, whichever runs first. Every test here uses the world: on
its connection the world is uncommitted, and another connection would wait for its locks."""

from __future__ import annotations

import pytest

from reviewboard.auth.services import find_user_by_email, set_active
from tests.conftest import shared_session
from tests.support.factories import Factory
from tests.support.http import login


@pytest.fixture(scope="module")
def world(app, world_connection) -> str:
    with shared_session(app, world_connection) as session:
        return Factory(session).user("chair", email="world@example.test").email


@pytest.mark.parametrize("attempt", ["first", "second"])
def test_each_test_sees_the_world_as_built_and_its_own_changes_are_gone_in_the_next(world, make, client, db_session,
                                                                                  attempt):
    person = find_user_by_email(world)
    assert person is not None and person.active
    assert find_user_by_email("isolation@example.test") is None
    login(client, world)  # commits through the request boundary, as views do
    make.user("submitter", email="isolation@example.test")
    set_active(make.user("chair"), person, False)
    db_session.commit()  # as the app's boundary does: only the test's rollback can undo it now
    assert find_user_by_email("isolation@example.test") is not None and not person.active
