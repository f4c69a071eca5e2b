"""The ack rule: a transaction's LSN may be confirmed to PostgreSQL only when Kafka has
acknowledged every event streamed up to and including that transaction."""

from collections import deque
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

Item = TypeVar("Item")


class Delivery(Protocol):
    """What the relay needs of a Kafka send's future (kafka-python's FutureRecordMetadata)."""

    @property
    def is_done(self) -> bool: ...

    @property
    def exception(self) -> BaseException | None: ...

    @property
    def value(self) -> Any: ...


class DeliveryFailed(RuntimeError):
    """Kafka gave up on an event: nothing after it may be confirmed, the stream restarts."""


@dataclass(frozen=True, slots=True)
class Acked(Generic[Item]):
    item: Item
    metadata: Any  # what the delivery resolved to (partition, offset)


class AckLedger(Generic[Item]):
    """Events handed to Kafka and the commits between them, in stream order.

    Kafka acknowledges partitions independently, so acks arrive out of stream order; the ledger
    only counts the longest acknowledged prefix, and a commit is confirmable once that prefix
    covers every event streamed before it.
    """

    def __init__(self) -> None:
        self._in_flight: deque[tuple[Delivery, Item, float]] = deque()
        self._commits: deque[tuple[int, int]] = deque()  # (events streamed before it, end LSN)
        self._sent = 0
        self._acked = 0

    @property
    def pending(self) -> int:
        """Events handed to Kafka and not yet acknowledged."""
        return self._sent - self._acked

    def sent(self, delivery: Delivery, item: Item, at: float) -> None:
        self._in_flight.append((delivery, item, at))
        self._sent += 1

    def committed(self, end_lsn: int) -> None:
        self._commits.append((self._sent, end_lsn))

    def collect(self) -> list[Acked[Item]]:
        """Take the acknowledged prefix of the in-flight events, in stream order."""
        acked: list[Acked[Item]] = []
        in_flight = self._in_flight
        while in_flight and in_flight[0][0].is_done:
            delivery, item, _ = in_flight[0]
            if delivery.exception is not None:
                raise DeliveryFailed(f"Kafka did not take an event: {delivery.exception!r}")
            in_flight.popleft()
            acked.append(Acked(item, delivery.value))
        self._acked += len(acked)
        return acked

    def confirmable_lsn(self) -> int | None:
        """The end LSN of the last commit whose events, and all before them, are acknowledged."""
        lsn = None
        commits = self._commits
        while commits and commits[0][0] <= self._acked:
            lsn = commits.popleft()[1]
        return lsn

    def oldest_sent_at(self) -> float | None:
        """When the oldest unacknowledged event was handed to Kafka."""
        return self._in_flight[0][2] if self._in_flight else None
