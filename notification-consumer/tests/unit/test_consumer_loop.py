"""The consumer loop: offsets are committed only past messages whose effects are durable;
poison goes to the dead-letter topic and the partition keeps moving; an outage stalls it."""

import json
import threading
from collections import namedtuple
from typing import Any
from uuid import UUID

from kafka import TopicPartition

from notification_consumer.adapters.kafka import KafkaEventSource
from notification_consumer.domain.events import TaskEvent
from notification_consumer.service.consuming import EventConsumer
from notification_consumer.service.events import EventHandler, Outcome
from taskwire_events import RawMessage

from .fakes import FakeDeadLetters, FakeUnitOfWork, Store
from .samples import cloud_event

Record = namedtuple("Record", "topic partition offset key value headers timestamp")
PARTITION = TopicPartition("task-events", 0)


class FakeConsumer:
    """Hands out the given batches, then stops the loop; records seeks and commits."""

    def __init__(self, batches: list[list[Record]], stop: threading.Event) -> None:
        self._batches = batches
        self._stop = stop
        self.commits: list[int] = []
        self.seeks: list[int] = []
        self.closed = False

    def poll(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[Record]]:
        if not self._batches:
            self._stop.set()
            return {}
        batch = self._batches.pop(0)
        return {PARTITION: batch} if batch else {}

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append(offset)

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.commits.append(offsets[PARTITION].offset)

    def assignment(self) -> set[TopicPartition]:
        return {PARTITION}

    def highwater(self, partition: TopicPartition) -> int:
        return 10

    def position(self, partition: TopicPartition, timeout_ms: int) -> int:
        return self.commits[-1] if self.commits else 0

    def close(self, autocommit: bool) -> None:
        self.closed = True


class FakeMetrics:
    def __init__(self) -> None:
        self.counts: list[tuple[str, int, dict[str, Any]]] = []
        self.gauges: list[tuple[str, float, dict[str, Any]]] = []

    def incr(self, name: str, count: int = 1, **tags: Any) -> None:
        self.counts.append((name, count, tags))

    def gauge(self, name: str, value: float, **tags: Any) -> None:
        self.gauges.append((name, value, tags))

    def timing(self, name: str, millis: float, **tags: Any) -> None:
        pass


def record(offset: int, value: dict[str, Any] | bytes) -> Record:
    body = json.dumps(value).encode() if isinstance(value, dict) else value
    return Record("task-events", 0, offset, b"k", body, [("h", b"v")], 1)


def run(
    batches: list[list[Record]], handler: Any, dead_letters: FakeDeadLetters | None = None
) -> tuple[FakeConsumer, FakeDeadLetters, FakeMetrics]:
    stop = threading.Event()
    consumer = FakeConsumer(batches, stop)
    metrics = FakeMetrics()
    letters = dead_letters or FakeDeadLetters()
    kafka_consumer: Any = consumer
    statsd: Any = metrics
    source = KafkaEventSource(kafka_consumer)
    EventConsumer(source, handler, letters, statsd, stop, handle_attempts=2).run()
    return consumer, letters, metrics


def test_events_are_stored_and_their_offsets_committed_after() -> None:
    store = Store()
    handler = EventHandler(lambda: FakeUnitOfWork(store))
    consumer, letters, metrics = run(
        [[record(0, cloud_event()), record(1, cloud_event("task.deleted"))]], handler
    )
    assert len(store.notifications) == 2
    assert consumer.commits == [2]
    assert letters.published == []
    assert ("taskwire.consumer.dlq", 0, {}) in metrics.counts
    assert ("taskwire.consumer.events", 1, {"type": "task.deleted"}) in metrics.counts
    assert consumer.closed


def test_a_poison_message_is_dead_lettered_and_the_partition_moves_on() -> None:
    store = Store()
    handler = EventHandler(lambda: FakeUnitOfWork(store))
    consumer, letters, metrics = run([[record(0, b"{garbage"), record(1, cloud_event())]], handler)
    [(message, error, stage)] = letters.published
    assert (message.offset, message.value, stage) == (0, b"{garbage", "parse")
    assert message.headers == (("h", b"v"),)
    assert "not JSON" in str(error)
    assert len(store.notifications) == 1
    assert consumer.commits == [2]
    assert ("taskwire.consumer.dlq", 1, {}) in metrics.counts


class FlakyHandler:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def handle_events(self, batch: list[tuple[TaskEvent, RawMessage]]) -> dict[UUID, Outcome]:
        return {event.id: self.handle_event(event, source) for event, source in batch}

    def handle_event(self, event: TaskEvent, source: RawMessage) -> Outcome:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return Outcome.STORED


def test_a_message_that_keeps_failing_is_dead_lettered_after_bounded_retries() -> None:
    handler = FlakyHandler(failures=99, error=ValueError("value too long for column"))
    consumer, letters, _ = run([[record(0, cloud_event())]], handler)
    assert handler.calls == 3  # the batch, then the event alone twice
    [(_, error, stage)] = letters.published
    assert stage == "handle"
    assert isinstance(error, ValueError)
    assert consumer.commits == [1]


def test_a_failure_that_passes_on_retry_is_not_dead_lettered() -> None:
    handler = FlakyHandler(failures=2, error=RuntimeError("deadlock"))
    consumer, letters, _ = run([[record(0, cloud_event())]], handler)
    assert letters.published == []
    assert consumer.commits == [1]


def test_a_database_outage_stalls_the_partition_without_committing_or_dead_lettering() -> None:
    store = Store(down=True)
    handler = EventHandler(lambda: FakeUnitOfWork(store))
    consumer, letters, _ = run([[record(5, cloud_event()), record(6, cloud_event())]], handler)
    assert consumer.seeks == [5]
    assert consumer.commits == []
    assert letters.published == []


def test_when_the_dead_letter_topic_is_down_the_poison_waits_and_nothing_is_committed() -> None:
    letters = FakeDeadLetters()
    letters.down = True
    handler = EventHandler(lambda: FakeUnitOfWork(Store()))
    consumer, _, _ = run([[record(3, b"poison"), record(4, cloud_event())]], handler, letters)
    assert consumer.seeks == [3]
    assert consumer.commits == []


def test_lag_is_reported_per_partition() -> None:
    handler = EventHandler(lambda: FakeUnitOfWork(Store()))
    _, _, metrics = run([[record(0, cloud_event())]], handler)
    assert ("taskwire.consumer.lag", 9, {"partition": 0}) in metrics.gauges


def test_a_redelivered_event_in_the_same_batch_is_stored_once() -> None:
    store = Store()
    handler = EventHandler(lambda: FakeUnitOfWork(store))
    event = cloud_event()
    consumer, _, _ = run([[record(0, event), record(1, event), record(2, cloud_event())]], handler)
    assert len(store.notifications) == 2
    assert consumer.commits == [3]


class OneBadEvent:
    """Fails any transaction that holds the event `bad`, like a value the database refuses."""

    def __init__(self, store: Store, bad: str) -> None:
        self._inner = EventHandler(lambda: FakeUnitOfWork(store))
        self._bad = UUID(bad)

    def handle_events(self, batch: list[tuple[TaskEvent, RawMessage]]) -> dict[UUID, Outcome]:
        if any(event.id == self._bad for event, _ in batch):
            raise ValueError("value too long for type character varying")
        return self._inner.handle_events(batch)

    def handle_event(self, event: TaskEvent, source: RawMessage) -> Outcome:
        return self.handle_events([(event, source)])[event.id]


def test_a_failing_batch_is_retried_event_by_event_and_only_the_bad_one_is_dead_lettered() -> None:
    store = Store()
    bad = cloud_event()
    batch = [record(0, cloud_event()), record(1, bad), record(2, cloud_event())]
    consumer, letters, _ = run([batch], OneBadEvent(store, bad["id"]))
    assert len(store.notifications) == 2
    [(message, _, stage)] = letters.published
    assert (message.offset, stage) == (1, "handle")
    assert consumer.commits == [3]
