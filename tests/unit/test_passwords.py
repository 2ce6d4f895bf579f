"""Password rules (ASVS 5.0 6.2.x) and the stored hash's parameters (appendix C)."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type

from reviewboard.auth.passwords import MAX_LENGTH, check_password, hash_password, password_problem


@pytest.mark.parametrize("password", ["password", "12345678", "qwertyuiop", "Football", "iloveyou1"])
def test_common_passwords_are_refused(password):
    assert "commonly used" in password_problem(password)


@pytest.mark.parametrize("password", ["abcdefg", ""])
def test_short_passwords_are_refused(password):
    assert "at least 8" in password_problem(password)


def test_long_passphrases_without_composition_rules_are_accepted():
    assert password_problem("correct horse battery") is None
    assert password_problem("x" * 63 + "y") is None  # 64 characters
    assert password_problem("z" * (MAX_LENGTH + 1)) is not None


def test_hashes_are_argon2id_at_or_above_asvs_minimum():
    stored = hash_password("correct horse battery")
    params = extract_parameters(stored)
    assert params.type is Type.ID
    assert params.time_cost >= 2 and params.memory_cost >= 19 * 1024
    assert check_password(stored, "correct horse battery")
    assert not check_password(stored, "correct horse batterY")
    assert not check_password(None, "anything")
