"""Kafka: the consumer loop that drives the event use case, and the dead-letter producer.

An offset is committed only after every message before it has had its effects made durable:
its notification stored (or found stored), or the message acknowledged by the dead-letter
topic. A crash therefore redelivers, and the event id makes a redelivery a no-op.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from notification_consumer.domain.errors import (
    DeadLetterUnavailable,
    PoisonMessage,
    StoreUnavailable,
)
from notification_consumer.domain.events import TaskEvent, parse_event
from notification_consumer.service.events import EventHandler, Outcome
from notification_consumer.service.ports import DeadLetters
from taskwire_events import RawMessage
from taskwire_observability import Metrics

log = logging.getLogger(__name__)

DLQ_HEADER_PREFIX = "dlq-"
_ERROR_MAX = 2000
LAG_EVERY_SECONDS = 5.0


class DeadLetterBacklog:
    """How many dead letters no replay has put back yet, however old: for each partition of
    the dead-letter topic, its end offset minus where the replay group stopped (the oldest
    offset still kept when nothing was ever replayed). `consumer` belongs to the replay group
    and never subscribes, so it only reads that group's committed offsets."""

    def __init__(self, consumer: KafkaConsumer, topic: str) -> None:
        self._consumer = consumer
        self._topic = topic

    def unreplayed(self) -> int:
        partitions = [
            TopicPartition(self._topic, p)
            for p in sorted(self._consumer.partitions_for_topic(self._topic) or ())
        ]
        if not partitions:
            return 0
        ends = self._consumer.end_offsets(partitions)
        oldest = self._consumer.beginning_offsets(partitions)
        total = 0
        for partition in partitions:
            replayed_up_to = max(self._consumer.committed(partition) or 0, oldest[partition])
            total += max(ends[partition] - replayed_up_to, 0)
        return total


class KafkaDeadLetters:
    """Publishes a message unchanged (key, value, headers) to the dead-letter topic, with the
    error and where it came from in `dlq-*` headers."""

    def __init__(
        self, producer: KafkaProducer, topic: str, group: str, timeout_seconds: float = 10.0
    ) -> None:
        self._producer = producer
        self._topic = topic
        self._group = group
        self._timeout = timeout_seconds

    def publish(self, message: RawMessage, error: BaseException, stage: str) -> None:
        headers = [(k, v) for k, v in message.headers if not k.startswith(DLQ_HEADER_PREFIX)]
        headers += [
            (f"{DLQ_HEADER_PREFIX}original-topic", message.topic.encode()),
            (f"{DLQ_HEADER_PREFIX}original-partition", str(message.partition).encode()),
            (f"{DLQ_HEADER_PREFIX}original-offset", str(message.offset).encode()),
            (f"{DLQ_HEADER_PREFIX}stage", stage.encode()),
            (f"{DLQ_HEADER_PREFIX}error-class", type(error).__name__.encode()),
            (f"{DLQ_HEADER_PREFIX}error", str(error)[:_ERROR_MAX].encode()),
            (f"{DLQ_HEADER_PREFIX}consumer-group", self._group.encode()),
            (f"{DLQ_HEADER_PREFIX}failed-at", datetime.now(UTC).isoformat().encode()),
        ]
        if message.timestamp_ms is not None:
            headers.append(
                (f"{DLQ_HEADER_PREFIX}original-timestamp", str(message.timestamp_ms).encode())
            )
        try:
            self._producer.send(
                self._topic, key=message.key, value=message.value, headers=headers
            ).get(timeout=self._timeout)
        except KafkaError as failure:
            raise DeadLetterUnavailable(repr(failure)) from failure


class EventConsumer:
    """The worker's main loop: poll a batch, handle each event in its own transaction, commit
    the offsets of what is done, and report lag. Stops between two messages on `stop`."""

    def __init__(
        self,
        consumer: KafkaConsumer,
        handler: EventHandler,
        dead_letters: DeadLetters,
        metrics: Metrics,
        stop: threading.Event,
        on_stored: Callable[[], None] = lambda: None,
        handle_attempts: int = 3,
        max_records: int = 100,
    ) -> None:
        self._consumer = consumer
        self._handler = handler
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._stop = stop
        self._on_stored = on_stored
        self._attempts = handle_attempts
        self._max_records = max_records
        self._lag_reported = 0.0
        self.last_poll = float("-inf")  # monotonic; readiness tells a stuck loop from an idle one

    def run(self) -> None:
        self._metrics.incr("taskwire.consumer.dlq", 0)  # the series exists before a dead letter
        pause = 0.0
        while not self._stop.is_set():
            batch = self._consumer.poll(timeout_ms=500, max_records=self._max_records)
            self.last_poll = time.monotonic()
            done, stalled = self._process(batch)
            self._commit(done)
            self._report_lag()
            if stalled:
                pause = min(max(pause * 2, 0.5), 10.0)
                self._stop.wait(pause)
            else:
                pause = 0.0
        self._consumer.close(autocommit=False)

    def _process(
        self, batch: dict[TopicPartition, list[Any]]
    ) -> tuple[dict[TopicPartition, OffsetAndMetadata], bool]:
        """Handle a polled batch; the offsets to commit, and whether it must be tried again."""
        if not batch or self._stop.is_set():
            return {}, False
        valid: list[tuple[TaskEvent, RawMessage]] = []
        poison: list[tuple[RawMessage, PoisonMessage]] = []
        for records in batch.values():
            for record in records:
                message = _raw(record)
                try:
                    valid.append((parse_event(message.value), message))
                except PoisonMessage as error:
                    poison.append((message, error))
        try:
            self._handle_all(valid)
            # Poison after the events: a database outage must not dead-letter it twice.
            for message, reason in poison:
                log.error(
                    "poison message: dead-lettered",
                    extra={"error": str(reason), **_where(message)},
                )
                self._dead_letter(message, reason, "parse")
        except (StoreUnavailable, DeadLetterUnavailable) as error:
            # Not the messages' fault: keep them all, and try again after a pause; whatever
            # was stored meanwhile comes back as a duplicate.
            log.warning("a dependency is unavailable; the batch waits", extra={"error": str(error)})
            for partition, records in batch.items():
                self._consumer.seek(partition, records[0].offset)
            return {}, True
        done = {
            partition: OffsetAndMetadata(records[-1].offset + 1, "", -1)
            for partition, records in batch.items()
        }
        return done, False

    def _handle_all(self, batch: list[tuple[TaskEvent, RawMessage]]) -> None:
        if not batch:
            return
        try:
            outcomes = self._handler.handle_events(batch)
        except StoreUnavailable:
            raise
        except Exception as error:
            # Something in the batch is wrong: find it, one event per transaction.
            log.warning(
                "batch failed; handling its events one by one", extra={"error": repr(error)}
            )
            for event, message in batch:
                self._handle_alone(event, message)
            return
        for event, message in batch:
            self._handled(event, message, outcomes[event.id])

    def _handle_alone(self, event: TaskEvent, message: RawMessage) -> None:
        fields = _fields(event, message)
        for attempt in range(1, self._attempts + 1):
            try:
                outcome = self._handler.handle_event(event, message)
                break
            except StoreUnavailable:
                raise
            except Exception as error:
                if attempt == self._attempts:
                    log.exception("event failed after retries: dead-lettered", extra=fields)
                    self._dead_letter(message, error, "handle")
                    return
                log.warning("event failed; retrying", extra={**fields, "error": repr(error)})
                self._stop.wait(0.2 * 2**attempt)
        self._handled(event, message, outcome)

    def _handled(self, event: TaskEvent, message: RawMessage, outcome: Outcome) -> None:
        if outcome is Outcome.STORED:
            latency = datetime.now(UTC) - event.time
            self._metrics.timing("taskwire.notification.latency", latency.total_seconds() * 1000)
            self._metrics.incr("taskwire.consumer.events", type=event.type.value)
        if outcome is not Outcome.DUPLICATE:
            self._on_stored()
        log.info("event handled", extra={**_fields(event, message), "outcome": outcome.value})

    def _dead_letter(self, message: RawMessage, error: BaseException, stage: str) -> None:
        self._dead_letters.publish(message, error, stage)
        self._metrics.incr("taskwire.consumer.dlq")

    def _commit(self, done: dict[TopicPartition, OffsetAndMetadata]) -> None:
        if not done:
            return
        try:
            self._consumer.commit(offsets=done)
        except CommitFailedError:
            # The partitions moved to another member meanwhile; it will see these messages
            # again and find their event ids recorded.
            log.warning("offset commit refused after a rebalance; messages will be redelivered")
        except KafkaError as error:
            log.warning("offset commit failed; will commit later", extra={"error": repr(error)})

    def _report_lag(self) -> None:
        now = time.monotonic()
        if now - self._lag_reported < LAG_EVERY_SECONDS:
            return
        self._lag_reported = now
        for partition in self._consumer.assignment() or ():
            highwater = self._consumer.highwater(partition)
            if highwater is None:
                continue
            try:
                position = self._consumer.position(partition, timeout_ms=1000)
            except KafkaError:
                continue
            if position is None:
                continue
            self._metrics.gauge(
                "taskwire.consumer.lag", max(highwater - position, 0), partition=partition.partition
            )


def connect(build: Callable[[], Any], what: str, stop: threading.Event) -> Any | None:
    """Build a Kafka client, retrying while the broker is away; None when stopped first."""
    pause = 1.0
    while not stop.is_set():
        try:
            return build()
        except KafkaError as error:
            log.warning(f"{what}: Kafka unavailable; retrying", extra={"error": repr(error)})
            stop.wait(pause)
            pause = min(pause * 2, 15.0)
    return None


def _raw(record: Any) -> RawMessage:
    headers: Iterable[tuple[str, bytes | None]] = record.headers or ()
    return RawMessage(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=tuple((name, value or b"") for name, value in headers),
        timestamp_ms=record.timestamp,
    )


def _where(message: RawMessage) -> dict[str, object]:
    return {"partition": message.partition, "offset": message.offset}


def _fields(event: TaskEvent, message: RawMessage) -> dict[str, object]:
    fields = {"event_id": str(event.id), "event_type": event.type.value, **_where(message)}
    if event.request_id:
        fields["request_id"] = event.request_id  # follows the change into this log line
    return fields
