"""The envelope task-api writes is the one the notification worker reads."""

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest

from taskwire_events import EventType, InvalidEvent, cloud_event, read

EVENT = UUID("01890000-0000-7000-8000-000000000001")
TASK = UUID("01890000-0000-7000-8000-000000000002")


def test_what_the_producer_writes_the_consumer_reads_back() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    written = cloud_event(EVENT, EventType.COMPLETED, "urn:test", TASK, now, {"a": 1}, "req-1")
    event = read(json.dumps(written).encode())
    assert (event.id, event.type, event.subject, event.time) == (
        EVENT,
        EventType.COMPLETED,
        TASK,
        now,
    )
    assert (event.data, event.request_id) == ({"a": 1}, "req-1")


def test_an_envelope_without_a_request_id_has_no_requestid_attribute() -> None:
    now = datetime(2026, 12, 2, tzinfo=UTC)
    assert "requestid" not in cloud_event(EVENT, EventType.CREATED, "urn:t", TASK, now, {}, None)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"", "empty message"),
        (b"{x", "not JSON"),
        (b'{"specversion": "0.3"}', "unsupported specversion"),
        (b'{"specversion": "1.0", "type": "task.archived"}', "unknown event type"),
    ],
)
def test_what_is_not_a_task_event_is_refused_with_the_reason(value: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        read(value)
