"""The embedded worker's child process, started again when it dies: soon after a death in steady running, and ever
later while every start dies young (a broken setup, whose each start costs an app's import), up to a minute."""

from __future__ import annotations

from reviewboard.jobs.embedded import MAX_RESTART_DELAY, RESTART_DELAY, STEADY_AFTER, restart_delay


def test_a_child_that_keeps_dying_young_is_started_ever_later_up_to_a_minute():
    delays, delay = [], None
    for _ in range(8):
        delay = restart_delay(delay, lived=3.0)
        delays.append(delay)
    assert delays == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert (RESTART_DELAY, MAX_RESTART_DELAY) == (2.0, 60.0)


def test_a_child_that_ran_steadily_before_dying_is_started_again_soon():
    assert restart_delay(None, lived=1.0) == RESTART_DELAY  # the first death
    assert restart_delay(MAX_RESTART_DELAY, lived=STEADY_AFTER) == RESTART_DELAY
    assert restart_delay(MAX_RESTART_DELAY, lived=3600.0) == RESTART_DELAY
