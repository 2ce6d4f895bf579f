"""The garbage collector paused around a record's render: back on after it, whatever happened inside."""

from __future__ import annotations

import gc

import pytest

from reviewboard.core.collector import collector_paused


def test_the_collector_is_paused_inside_and_on_again_after_nested_blocks():
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still rendering
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_block_that_raised():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("render failed")
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
