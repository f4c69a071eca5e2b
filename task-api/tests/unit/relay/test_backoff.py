"""Reconnection backoff: doubling, capped, jittered, reset after a success; and the lock key."""

from task_api.relay.election import lock_key
from taskwire_events import Backoff


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(base=0.2, cap=5.0, jitter=lambda: 1.0)

    assert [round(backoff.next(), 2) for _ in range(8)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5, 5, 5]


def test_jitter_draws_from_the_upper_half_of_each_delay() -> None:
    low = Backoff(base=1.0, cap=8.0, jitter=lambda: 0.0)

    assert [low.next() for _ in range(3)] == [0.5, 1.0, 2.0]


def test_a_reset_starts_again_from_the_base() -> None:
    backoff = Backoff(base=0.2, cap=5.0, jitter=lambda: 1.0)
    for _ in range(10):
        backoff.next()
    backoff.reset()

    assert backoff.next() == 0.2


def test_each_slot_has_its_own_stable_leadership_lock() -> None:
    assert lock_key("taskwire_relay") == lock_key("taskwire_relay")
    assert lock_key("taskwire_relay") != lock_key("bench_relay")
    assert -(2**63) <= lock_key("taskwire_relay") < 2**63
