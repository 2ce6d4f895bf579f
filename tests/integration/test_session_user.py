"""The signed-in person the session's user loader gives is a real User of the request's session: read from one row,
it saves, loads its relationships and reports its roles as their rows say, before and after they change."""

from __future__ import annotations

from sqlalchemy import select

from reviewboard.auth.models import Role, User, UserRole
from reviewboard.extensions import db, login_manager


def test_the_signed_in_person_is_a_user_of_the_session_whose_roles_follow_their_rows(app, make, db_session):
    person = make.user("submitter", "reviewer")
    key, stale_key = person.get_id(), f"{person.id}:not-the-token"
    db_session.flush()
    db_session.expunge_all()  # as at the start of a request: the session holds no copy of the person
    with app.test_request_context("/"):
        assert login_manager._user_callback(stale_key) is None
        user = login_manager._user_callback(key)
        assert isinstance(user, User) and user in db.session and user.email == person.email
        assert user.roles == {Role.SUBMITTER, Role.REVIEWER} and user.has_role("reviewer")
        user.role_rows.append(UserRole(role=Role.CHAIR.value))
        assert user.roles == {Role.SUBMITTER, Role.REVIEWER, Role.CHAIR}
        user.name = "Renamed Person"
        db.session.flush()
    rows = db_session.scalars(select(UserRole.role).where(UserRole.user_id == person.id).order_by(UserRole.role))
    assert list(rows) == ["chair", "reviewer", "submitter"]
    assert db_session.scalar(select(User.name).where(User.id == person.id)) == "Renamed Person"


def test_a_person_already_in_the_session_is_the_one_the_loader_gives(app, make, db_session):
    person = make.user("auditor")
    with app.test_request_context("/"):
        assert login_manager._user_callback(person.get_id()) is person and person.roles == {Role.AUDITOR}
