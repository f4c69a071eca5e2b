"""pgoutput messages built by hand, and fakes of the slot's stream and of Kafka."""

import json
import struct
from dataclasses import dataclass, field
from typing import Any

from task_api.relay.records import OutboxRecord

OUTBOX_ID = 16401
COLUMNS = ("id", "aggregatetype", "aggregateid", "type", "payload", "request_id", "created_at")


def begin(final_lsn: int, xid: int = 1) -> bytes:
    return b"B" + struct.pack(">qqi", final_lsn, 0, xid)


def commit(end_lsn: int) -> bytes:
    return b"C" + struct.pack(">bqqq", 0, end_lsn - 48, end_lsn, 0)


def relation(relation_id: int = OUTBOX_ID, columns: tuple[str, ...] = COLUMNS) -> bytes:
    body = struct.pack(">I", relation_id) + b"public\x00outbox\x00" + b"d"
    body += struct.pack(">h", len(columns))
    for column in columns:
        body += b"\x00" + column.encode() + b"\x00" + struct.pack(">Ii", 25, -1)
    return b"R" + body


def insert(values: tuple[str | None, ...], relation_id: int = OUTBOX_ID) -> bytes:
    body = struct.pack(">I", relation_id) + b"N" + struct.pack(">h", len(values))
    for value in values:
        if value is None:
            body += b"n"
        else:
            data = value.encode()
            body += b"t" + struct.pack(">i", len(data)) + data
    return b"I" + body


def event(event_id: str, task_id: str = "t-1", kind: str = "task.created") -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "urn:taskwire:task-api",
        "type": kind,
        "subject": task_id,
        "time": "2026-11-24T20:00:00+00:00",
        "datacontenttype": "application/json",
        "data": {"id": task_id, "title": "Café ✓", "owner_id": "o-1"},
    }


def outbox_insert(
    event_id: str, task_id: str = "t-1", kind: str = "task.created", request_id: str | None = None
) -> bytes:
    payload = json.dumps(event(event_id, task_id, kind))
    return insert((event_id, "task", task_id, kind, payload, request_id, "2026-11-24 20:00:00+00"))


@dataclass
class Message:
    payload: bytes


@dataclass
class FakeStream:
    """A slot's stream: hands out queued messages, records every feedback it is sent."""

    messages: list[bytes] = field(default_factory=list)
    feedback: list[tuple[int, int, bool]] = field(default_factory=list)  # write, flush, force
    reads: int = 0
    clock: "FakeClock | None" = None  # waiting moves it on

    def read_message(self) -> Message | None:
        self.reads += 1
        return Message(self.messages.pop(0)) if self.messages else None

    def send_feedback(self, *, write_lsn: int = 0, flush_lsn: int = 0, force: bool = False) -> None:
        self.feedback.append((write_lsn, flush_lsn, force))

    def wait(self, timeout: float) -> None:
        if self.clock is not None:
            self.clock.now += max(timeout, 0.001)

    @property
    def confirmed(self) -> list[int]:
        return [flush for _, flush, _ in self.feedback if flush]


@dataclass
class FakeDelivery:
    is_done: bool = False
    exception: BaseException | None = None
    value: Any = None

    def ack(self, partition: int = 0, offset: int = 0) -> None:
        self.is_done, self.value = True, Metadata(partition, offset)

    def fail(self, error: BaseException) -> None:
        self.is_done, self.exception = True, error


@dataclass(frozen=True)
class Metadata:
    partition: int
    offset: int


@dataclass
class FakeKafka:
    """Takes records and leaves each delivery open until the test acknowledges it."""

    sent: list[tuple[OutboxRecord, FakeDelivery]] = field(default_factory=list)
    flushes: int = 0
    ack_on_flush: bool = True

    def send(self, record: OutboxRecord) -> FakeDelivery:
        delivery = FakeDelivery()
        self.sent.append((record, delivery))
        return delivery

    def flush(self, timeout: float) -> None:
        self.flushes += 1
        if self.ack_on_flush:
            for offset, (_, delivery) in enumerate(self.sent):
                if not delivery.is_done:
                    delivery.ack(offset=offset)

    def ack(self, *indexes: int) -> None:
        for index in indexes:
            self.sent[index][1].ack(offset=index)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
