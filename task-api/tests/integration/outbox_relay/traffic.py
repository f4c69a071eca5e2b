"""Task writes that remember which events committed, and the check that Kafka got them all."""

import json
import random
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import Engine

from task_api.db.unit_of_work import SqlUnitOfWork
from task_api.domain.errors import InvalidCursor, TaskNotFound
from task_api.service.tasks import TaskService
from taskwire_sql import CursorCodec
from taskwire_testkit import Stack

TOPIC = "task-events"


@dataclass
class Written:
    """Every event a use case wrote, in the order its transaction tried to commit."""

    events: list[dict[str, Any]] = field(default_factory=list)
    committed: set[str] = field(default_factory=set)
    ambiguous: set[str] = field(default_factory=set)  # the commit raised: it may have happened
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, events: list[dict[str, Any]], committed: bool) -> None:
        with self.lock:
            self.events += events
            (self.committed if committed else self.ambiguous).update(e["id"] for e in events)


class RecordingUnitOfWork(SqlUnitOfWork):
    def __init__(self, engine: Engine, written: Written) -> None:
        super().__init__(engine)
        self._written = written
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> "RecordingUnitOfWork":
        super().__enter__()
        self._events = []
        add = self.outbox.add

        def recording_add(event: dict[str, Any], request_id: str | None) -> None:
            add(event, request_id)
            self._events.append(json.loads(json.dumps(event)))  # as it is stored: JSON

        self.outbox.add = recording_add
        return self

    def commit(self) -> None:
        try:
            super().commit()
        except Exception:
            self._written.record(self._events, committed=False)
            raise
        self._written.record(self._events, committed=True)


def recording_service(engine: Engine, written: Written) -> TaskService:
    return TaskService(
        lambda: RecordingUnitOfWork(engine, written), CursorCodec("test", InvalidCursor)
    )


class Writer(threading.Thread):
    """Creates, edits, completes and deletes tasks of one owner at a steady rate, riding out
    database failures; each task is written by this thread only, so its commit order is known."""

    def __init__(
        self, service: TaskService, rate: float, seed: int = 0, owner: uuid.UUID | None = None
    ) -> None:
        super().__init__(daemon=True)
        self.owner = owner or uuid.uuid4()
        self.writes = 0
        self.failures = 0
        self._service = service
        self._interval = 1 / rate
        self._rng = random.Random(seed)
        self._live: list[uuid.UUID] = []
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)

    def run(self) -> None:
        next_at = time.monotonic()
        while not self._stop_event.is_set():
            try:
                self._write()
                self.writes += 1
            except TaskNotFound:
                pass  # its create or delete failed ambiguously; _write forgot the task
            except Exception:
                self.failures += 1
                time.sleep(0.05)
            next_at = max(next_at + self._interval, time.monotonic() - 0.5)
            time.sleep(max(0.0, next_at - time.monotonic()))

    def _write(self) -> None:
        service, rng, live = self._service, self._rng, self._live
        request_id = f"relay-test-{uuid.uuid4().hex[:12]}"
        choice = rng.random()
        if len(live) < 20 or choice < 0.25:
            created = service.create_task(
                self.owner, {"title": f"task {self.writes}"}, request_id=request_id
            )
            live.append(uuid.UUID(created.body["id"]))
            return
        task_id = rng.choice(live)
        try:
            if choice < 0.8:
                patch = {"title": f"edit {self.writes}"}
                service.update_task(self.owner, task_id, patch, request_id=request_id)
            elif choice < 0.9:
                service.complete_task(self.owner, task_id, request_id=request_id)
            else:
                live.remove(task_id)
                service.delete_task(self.owner, task_id, request_id=request_id)
        except TaskNotFound:
            if task_id in live:
                live.remove(task_id)
            raise


@dataclass(frozen=True)
class Relayed:
    partition: int
    offset: int
    key: bytes
    headers: dict[str, bytes]
    event: dict[str, Any]


def end_offsets(stack: Stack) -> dict[TopicPartition, int]:
    consumer = KafkaConsumer(**stack.kafka_admin, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC)]
        offsets: dict[TopicPartition, int] = consumer.end_offsets(partitions)
        return offsets
    finally:
        consumer.close()


def read_back(
    stack: Stack, start: dict[TopicPartition, int], written: Written, timeout: float = 90
) -> list[Relayed]:
    """Every record on task-events since `start` that belongs to the written tasks, once all
    committed events have arrived (or the timeout passed)."""
    keys = {e["subject"].encode() for e in written.events}
    consumer = KafkaConsumer(**stack.kafka_admin, enable_auto_commit=False)
    relayed: list[Relayed] = []
    seen: set[str] = set()
    try:
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        deadline = time.monotonic() + timeout
        while not written.committed <= seen and time.monotonic() < deadline:
            for partition, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    if record.key not in keys:
                        continue
                    headers = {name: value for name, value in record.headers}
                    relayed.append(
                        Relayed(
                            partition.partition,
                            record.offset,
                            record.key,
                            headers,
                            json.loads(record.value),
                        )
                    )
                    seen.add(headers["ce_id"].decode())
    finally:
        consumer.close()
    return relayed


@dataclass(frozen=True)
class Outcome:
    committed: int
    records: int
    duplicates: int


def assert_every_committed_event_relayed_in_order(
    written: Written, relayed: list[Relayed]
) -> Outcome:
    """At least once (deduplicated by id), nothing missing, nothing invented, per-task order."""
    by_id = {e["id"]: e for e in written.events}
    first: dict[str, Relayed] = {}
    for record in relayed:
        first.setdefault(record.headers["ce_id"].decode(), record)

    missing = written.committed - set(first)
    assert not missing, f"{len(missing)} committed events never reached Kafka"
    invented = set(first) - written.committed - written.ambiguous
    assert not invented, f"{len(invented)} events on Kafka that no transaction committed"
    for event_id, record in first.items():
        assert record.event == by_id[event_id], f"event {event_id} changed on its way"
        assert record.key == by_id[event_id]["subject"].encode()

    per_task: dict[str, list[str]] = defaultdict(list)
    for event_id in first:
        per_task[first[event_id].event["subject"]].append(event_id)
    expected: dict[str, list[str]] = defaultdict(list)
    for event in written.events:
        if event["id"] in first:
            expected[event["subject"]].append(event["id"])
    for task_id, arrived in per_task.items():
        partitions = {first[e].partition for e in arrived}
        assert len(partitions) == 1, f"task {task_id} spread over partitions {partitions}"
        arrived_in_log = sorted(arrived, key=lambda e: first[e].offset)
        assert arrived_in_log == expected[task_id], f"task {task_id}: events out of commit order"
    return Outcome(len(written.committed), len(relayed), len(relayed) - len(first))
