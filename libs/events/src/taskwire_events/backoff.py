"""Capped exponential backoff: how every retry loop of the event pipeline paces itself
(reconnecting to PostgreSQL or Kafka, a stalled batch, a refused e-mail, a failing event)
and the revocation follower of libs/auth."""

import random
from collections.abc import Callable


def _no_jitter() -> float:
    return 1.0


class Backoff:
    def __init__(
        self, base: float = 0.2, cap: float = 5.0, jitter: Callable[[], float] = random.random
    ) -> None:
        self._base = base
        self._cap = cap
        self._jitter = jitter
        self._attempt = 0

    @classmethod
    def steady(cls, base: float, cap: float) -> "Backoff":
        """Doubling from `base` up to `cap` exactly, for a single loop that no other process
        retries in lockstep with."""
        return cls(base, cap, jitter=_no_jitter)

    def next(self) -> float:
        """The next delay: doubling from `base` up to `cap`, each drawn from its upper half so
        that two processes restarting together do not retry in lockstep."""
        ceiling: float = min(self._cap, self._base * 2.0**self._attempt)
        self._attempt = min(self._attempt + 1, 32)
        return ceiling * (0.5 + self._jitter() / 2)

    def reset(self) -> None:
        self._attempt = 0
