"""Each test is undone at its end: these two tests each see an empty slate, whichever runs first."""

from __future__ import annotations

import pytest

from reviewboard.auth.services import find_user_by_email


@pytest.mark.parametrize("attempt", ["first", "second"])
def test_data_written_by_a_test_is_gone_in_the_next(make, client, attempt):
    assert find_user_by_email("isolation@example.test") is None
    make.user("submitter", email="isolation@example.test")
    # also commit through the request boundary, as views do
    from tests.support.http import login

    login(client, "isolation@example.test")
    assert find_user_by_email("isolation@example.test") is not None
