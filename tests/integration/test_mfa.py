"""Two-step verification services with pyotp-made codes: enrolment confirmed by a first code, the secret kept
sealed, a code accepted once, recovery codes single use and regenerated, disabling with password and code, the
policy, and signing a decision with a code. Both engines."""

from __future__ import annotations

import json

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import ServiceError
from reviewboard.mfa import sealing
from reviewboard.mfa import services as mfa
from reviewboard.mfa.models import RecoveryCode
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome
from tests.support.factories import PASSWORD
from tests.support.mfa import code, enrol, wrong_code


def _actions(db_session, user) -> list[str]:
    return list(db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id)).order_by(AuditEvent.seq)))


def test_enrolment_is_on_only_after_a_right_first_code_and_the_secret_is_sealed(make, db_session):
    user, other = make.user("reviewer"), make.user("reviewer")
    pending = mfa.begin_enrolment(user)
    secret = mfa.secret_of(user, pending)
    assert secret not in pending.secret_sealed and len(secret) == 32
    with pytest.raises(InvalidTag):  # a sealed secret copied onto another account does not open
        sealing.unseal(other.id, pending.secret_sealed)
    with pytest.raises(ServiceError) as refused:
        mfa.confirm_enrolment(user, wrong_code(secret))
    assert refused.value.field == "code" and not mfa.is_enabled(user)

    codes = mfa.confirm_enrolment(user, code(secret))
    assert mfa.is_enabled(user)
    assert len(codes) == 10 == len(set(codes)) and all(len(c) == 29 for c in codes)  # 6 groups of 4, dashes
    stored = db_session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)
    assert _actions(db_session, user) == ["user.created", "mfa.enrolment_started", "mfa.enrolled"]
    assert "otpauth://totp/ReviewBoard" in mfa.provisioning_uri(user, secret)


def test_a_code_is_accepted_once_and_never_an_earlier_one(make):
    user = make.user("reviewer")
    secret, _ = enrol(user)
    now = code(secret)
    assert mfa.verify_totp(user, now)
    assert not mfa.verify_totp(user, now)  # replayed within its step
    assert not mfa.verify_totp(user, code(secret, -1))  # the step used to confirm the enrolment
    assert not mfa.verify_totp(user, wrong_code(secret))
    assert mfa.verify_totp(user, code(secret, 1))


def test_a_recovery_code_works_once(make, db_session):
    user = make.user("submitter")
    _, codes = enrol(user)
    assert mfa.verify_second_factor(user, codes[3].upper()) == "recovery code"  # case and dashes do not matter
    assert mfa.verify_second_factor(user, codes[3]) is None
    assert mfa.remaining_recovery_codes(user) == 9
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "mfa.recovery_code_used")).one()
    assert json.loads(event.payload)["after"]["remaining"] == 9


def test_new_recovery_codes_void_the_old_ones(make, db_session):
    user = make.user("submitter")
    secret, old = enrol(user)
    with pytest.raises(ServiceError):
        mfa.regenerate_recovery_codes(user, wrong_code(secret))
    new = mfa.regenerate_recovery_codes(user, code(secret))
    assert not set(new) & set(old)
    assert mfa.verify_second_factor(user, old[0]) is None
    assert mfa.verify_second_factor(user, new[0]) == "recovery code"
    assert "mfa.recovery_codes_regenerated" in _actions(db_session, user)


def test_turning_off_needs_the_password_and_a_code(make, db_session):
    user = make.user("submitter")
    secret, codes = enrol(user)
    with pytest.raises(ServiceError) as refused:
        mfa.disable(user, "not the password", code(secret))
    assert refused.value.field == "password"
    with pytest.raises(ServiceError) as refused:
        mfa.disable(user, PASSWORD, wrong_code(secret))
    assert refused.value.field == "code" and mfa.is_enabled(user)
    mfa.disable(user, PASSWORD, codes[0])
    assert not mfa.is_enabled(user) and mfa.credential(user) is None and mfa.remaining_recovery_codes(user) == 0
    assert _actions(db_session, user)[-2:] == ["mfa.recovery_code_used", "mfa.disabled"]


def test_the_policy_requires_it_for_the_configured_roles(app, make, monkeypatch):
    from reviewboard.config import Defaults

    chair, reviewer = make.user("chair"), make.user("reviewer")
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", Defaults.MFA_REQUIRED_ROLES)
    assert mfa.required_for(chair) and not mfa.required_for(reviewer)
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ("chair", "reviewer"))
    assert mfa.required_for(reviewer)


def test_signing_needs_a_current_code_and_the_record_says_so(make, db_session):
    stage, reviewer = make.one_signature_short()
    secret, _ = enrol(reviewer)
    for given in ("", wrong_code(secret)):
        with pytest.raises(reviews.SigningRefused) as refused:
            reviews.sign_decision(reviewer, stage, Outcome.APPROVE, PASSWORD, mfa_code=given)
        assert refused.value.field == "mfa_code"
    assert _actions(db_session, reviewer)[-2:] == ["signature.failed", "signature.failed"]
    signoff = reviews.sign_decision(reviewer, stage, Outcome.APPROVE, PASSWORD, mfa_code=code(secret))
    assert json.loads(signoff.signed_content)["authenticated_by"] == "password+totp"
    signed = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "signoff.signed")
                                .order_by(AuditEvent.seq.desc())).first()
    assert json.loads(signed.payload)["after"]["authenticated_by"] == "password+totp"


def test_a_code_used_to_sign_cannot_sign_again_within_its_step(make):
    first, reviewer = make.one_signature_short()
    second = make.submitted_stage()
    make.verdicts(reviewer, second)
    secret, _ = enrol(reviewer)
    now = code(secret)
    reviews.sign_decision(reviewer, first, Outcome.APPROVE, PASSWORD, mfa_code=now)
    with pytest.raises(reviews.SigningRefused):
        reviews.sign_decision(reviewer, second, Outcome.APPROVE, PASSWORD, mfa_code=now)


def test_the_demo_enrols_its_chairs_with_the_published_key(app, make, monkeypatch):
    import pyotp

    from reviewboard.config import Defaults
    from reviewboard.demo import DEMO_TOTP_SECRET, _enrol_chairs

    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", Defaults.MFA_REQUIRED_ROLES)
    chair, reviewer = make.user("chair", "reviewer"), make.user("reviewer")
    _enrol_chairs({"chen": chair, "rita": reviewer}, echo=lambda _line: None)
    assert mfa.is_enabled(chair) and not mfa.is_enabled(reviewer)
    assert mfa.verify_totp(chair, pyotp.TOTP(DEMO_TOTP_SECRET).now())
