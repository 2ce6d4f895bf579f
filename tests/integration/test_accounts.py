"""Account administration in the service layer: roles change with a reason (audited), deactivation ends
sessions and revokes API tokens at once (reactivation brings none back), people edit their own profile, and
an e-mail address is never reused."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from reviewboard.accounts import services as accounts
from reviewboard.audit.models import AuditEvent
from reviewboard.auth.models import Role
from reviewboard.auth.services import create_user
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.models.base import utcnow
from reviewboard.notify.digest import build_digests
from reviewboard.reviews.services import assign_reviewer
from reviewboard.tokens import services as tokens


def _payloads(db_session, action, user):
    return [json.loads(e.payload) for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == str(user.id)))]


def test_an_administrator_changes_roles_with_a_reason_kept_in_the_audit_trail(make, db_session):
    chair, person = make.user("chair"), make.user("submitter")
    assert accounts.change_roles(chair, person, {"submitter", "reviewer"}, "Joined the ethics committee")
    assert person.roles == {Role.SUBMITTER, Role.REVIEWER}
    (event,) = _payloads(db_session, "user.roles_changed", person)
    assert event["before"] == {"roles": ["submitter"]}
    assert event["after"] == {"roles": ["reviewer", "submitter"], "reason": "Joined the ethics committee"}
    assert not accounts.change_roles(chair, person, {"reviewer", "submitter"}, "No change at all")


@pytest.mark.parametrize("roles, reason, field", [(set(), "A good reason", "roles"), ({"admin"}, "A reason", "roles"),
                                                  ({"reviewer"}, "  ", "reason")])
def test_role_changes_without_a_role_or_a_reason_are_refused(make, roles, reason, field):
    chair, person = make.user("chair"), make.user("submitter")
    with pytest.raises(ServiceError) as refused:
        accounts.change_roles(chair, person, roles, reason)
    assert refused.value.field == field and person.roles == {Role.SUBMITTER}


def test_only_administrators_change_roles_and_none_removes_their_own_chair_role(make):
    chair, reviewer = make.user("chair"), make.user("reviewer")
    with pytest.raises(NotPermitted):
        accounts.change_roles(reviewer, reviewer, {"reviewer", "chair"}, "Promote myself")
    with pytest.raises(ServiceError, match="own chair role"):
        accounts.change_roles(chair, chair, {"reviewer"}, "Stepping down")
    assert chair.has_role("chair")


def test_deactivation_ends_sessions_and_revokes_tokens_which_reactivation_does_not_restore(make, db_session):
    chair, person = make.user("chair"), make.user("submitter")
    new = tokens.create_token(person, person, "CI", "read", None)
    session_token = person.session_token
    assert tokens.authenticate(new.secret, "127.0.0.1") is not None
    assert accounts.deactivate(chair, person) == 1
    assert person.session_token != session_token and not person.active
    assert new.token.revoked_at is not None and tokens.authenticate(new.secret, "127.0.0.1") is None
    accounts.reactivate(chair, person)
    assert person.active and tokens.authenticate(new.secret, "127.0.0.1") is None
    (revoked,) = _payloads(db_session, "token.revoked", new.token)
    assert revoked["after"]["reason"] == "account deactivated"
    assert [e["after"] for e in _payloads(db_session, "user.deactivated", person)] == [{"active": False}]
    with pytest.raises(ServiceError, match="own account"):
        accounts.deactivate(chair, chair)


def test_a_deactivated_persons_address_is_never_given_to_someone_else(make):
    chair, person = make.user("chair"), make.user("submitter")
    accounts.deactivate(chair, person)
    with pytest.raises(ServiceError, match="never reused") as refused:
        create_user(chair, person.email.upper(), "Someone Else", "a long enough passphrase", {"submitter"})
    assert refused.value.field == "email"


def test_people_edit_their_name_language_and_digest(make, db_session):
    person = make.user("submitter", name="Pat Person")
    assert accounts.update_profile(person, "  Pat   Person-Smith ", "zh-Hans", False) == [
        "name", "language", "digest_enabled"]
    assert (person.name, person.language, person.digest_enabled) == ("Pat Person-Smith", "zh-Hans", False)
    (event,) = _payloads(db_session, "user.profile_changed", person)
    assert event["before"] == {"name": "Pat Person", "language": "", "digest_enabled": True}  # none chosen yet
    assert accounts.update_profile(person, "Pat Person-Smith", "zh-Hans", False) == []
    with pytest.raises(ServiceError) as bad:
        accounts.update_profile(person, "Pat", "fr", False)
    assert bad.value.field == "language" and person.language == "zh-Hans"
    with pytest.raises(ServiceError) as empty:
        accounts.update_profile(person, "   ", "en", False)
    assert empty.value.field == "name"


def test_a_person_who_turned_the_digest_off_gets_none(make):
    stage = make.submitted_stage()
    (reviewer,) = make.reviewers(1)
    assign_reviewer(make.user("chair"), stage, reviewer)  # a stage waits for them: a digest item
    people = {d.user.id for d in build_digests(utcnow().date()) if d.items}
    assert reviewer.id in people and stage.state.value == "in_review"
    accounts.update_profile(reviewer, reviewer.name, "en", False)
    assert reviewer.id not in {d.user.id for d in build_digests(utcnow().date())}


def test_people_choose_their_time_zone_by_its_iana_name(make, db_session):
    person = make.user("submitter", name="Pat Person")
    assert accounts.update_profile(person, person.name, "", True, " asia/shanghai ") == ["time_zone"]
    assert person.time_zone == "Asia/Shanghai"  # as the time zone database spells it
    (event,) = _payloads(db_session, "user.profile_changed", person)
    assert (event["before"], event["after"]) == ({"time_zone": None}, {"time_zone": "Asia/Shanghai"})
    for unknown in ("CST", "Asia/Shangai", "../../etc/passwd", "localtime"):
        with pytest.raises(ServiceError, match="is not a time zone") as refused:
            accounts.update_profile(person, person.name, "en", True, unknown)
        assert refused.value.field == "time_zone" and person.time_zone == "Asia/Shanghai"
    accounts.set_language(person, "zh-Hans")  # the switcher changes the language alone
    assert (person.language, person.time_zone) == ("zh-Hans", "Asia/Shanghai")
    assert accounts.update_profile(person, person.name, "zh-Hans", True, "") == ["time_zone"]
    assert person.time_zone is None  # empty: the organisation's DISPLAY_TIMEZONE again
