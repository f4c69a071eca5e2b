"""Backoff: doubling up to a cap, jittered in its upper half unless steady."""

from taskwire_events import Backoff


def test_steady_backoff_doubles_from_its_base_up_to_its_cap() -> None:
    backoff = Backoff.steady(0.5, 10.0)
    assert [backoff.next() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_reset_starts_again_from_the_base() -> None:
    backoff = Backoff.steady(1.0, 15.0)
    backoff.next()
    backoff.next()
    backoff.reset()
    assert backoff.next() == 1.0


def test_jitter_draws_each_delay_from_the_upper_half() -> None:
    backoff = Backoff(base=1.0, cap=4.0, jitter=lambda: 0.0)
    assert [backoff.next() for _ in range(4)] == [0.5, 1.0, 2.0, 2.0]
