"""Time left for a job: nothing while too early to judge, then elapsed × (1 − f) / f."""

from __future__ import annotations

from restorer.eta import TimeLeft, describe_time_left


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_estimate_in_the_first_second_or_before_progress():
    clock = Clock()
    eta = TimeLeft(clock)
    clock.now += 0.5
    assert eta.update(0.4) is None  # too early
    clock.now += 1.0
    assert eta.update(0.01) is None  # too little done
    assert eta.update(0.5) == 1.5  # 1.5 s for half: 1.5 s to go


def test_estimate_follows_a_steady_job_and_is_smoothed():
    clock = Clock()
    eta = TimeLeft(clock)
    clock.now += 10
    assert eta.update(0.25) == 30.0
    clock.now += 10
    # raw estimate now 20 s; smoothed towards it, not jumping there
    assert 20.0 < eta.update(0.5) < 30.0
    eta.restart()
    assert eta.update(0.9) is None


def test_descriptions_are_rounded_for_people():
    assert describe_time_left(None) == ""
    assert describe_time_left(3) == "a few seconds left"
    assert describe_time_left(23) == "about 25 s left"
    assert describe_time_left(130) == "about 2 min left"
    assert describe_time_left(3600 + 600) == "about 1 h 10 min left"
    assert describe_time_left(float("inf")) == ""
