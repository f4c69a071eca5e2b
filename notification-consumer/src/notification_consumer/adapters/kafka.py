"""Kafka: the task-events consumer group as an event source, the dead-letter producer and the
dead-letter backlog. They only move bytes and offsets; the consumer loop
(service/consuming.py) decides what becomes of a message."""

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from notification_consumer.domain.errors import DeadLetterUnavailable
from taskwire_events import RawMessage

log = logging.getLogger(__name__)

DLQ_HEADER_PREFIX = "dlq-"
_ERROR_MAX = 2000


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


class KafkaEventSource:
    """The task-events consumer group as an `EventSource`: batches of messages in, offsets
    out. What happens to a message is the consumer loop's (service/consuming.py)."""

    def __init__(self, consumer: KafkaConsumer, max_records: int = 100) -> None:
        self._consumer = consumer
        self._max_records = max_records

    def poll(self) -> list[RawMessage]:
        batch = self._consumer.poll(timeout_ms=500, max_records=self._max_records)
        return [_raw(record) for records in batch.values() for record in records]

    def commit(self, batch: Sequence[RawMessage]) -> None:
        done = {
            partition: OffsetAndMetadata(last + 1, "", -1)
            for partition, last in _offsets(batch, max).items()
        }
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

    def rewind(self, batch: Sequence[RawMessage]) -> None:
        for partition, first in _offsets(batch, min).items():
            self._consumer.seek(partition, first)

    def lag(self) -> dict[int, int]:
        lags = {}
        for partition in self._consumer.assignment() or ():
            highwater = self._consumer.highwater(partition)
            if highwater is None:
                continue
            try:
                position = self._consumer.position(partition, timeout_ms=1000)
            except KafkaError:
                continue
            if position is not None:
                lags[partition.partition] = max(highwater - position, 0)
        return lags

    def close(self) -> None:
        self._consumer.close(autocommit=False)


def _offsets(
    batch: Sequence[RawMessage], pick: Callable[[int, int], int]
) -> dict[TopicPartition, int]:
    """The first or last offset (`min` or `max`) of each partition in the batch."""
    offsets: dict[TopicPartition, int] = {}
    for message in batch:
        partition = TopicPartition(message.topic, message.partition)
        offsets[partition] = pick(offsets.get(partition, message.offset), message.offset)
    return offsets


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
