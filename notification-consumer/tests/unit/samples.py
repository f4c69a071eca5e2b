"""Task events as task-api's outbox writes them, for the tests to feed the consumer."""

import json
from typing import Any
from uuid import UUID, uuid4

from taskwire_events import RawMessage

OWNER = UUID("00000000-0000-7000-8000-00000000a11c")


def cloud_event(
    event_type: str = "task.created",
    *,
    event_id: UUID | None = None,
    task_id: UUID | None = None,
    owner_id: UUID = OWNER,
    title: str = "Water the plants",
    status: str = "todo",
    due_date: str | None = None,
    request_id: str | None = "req-123",
    data_changes: dict[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    task_id = task_id or uuid4()
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(event_id or uuid4()),
        "source": "urn:taskwire:task-api",
        "type": event_type,
        "subject": str(task_id),
        "time": "2026-11-24T12:00:00+00:00",
        "datacontenttype": "application/json",
        "data": {
            "id": str(task_id),
            "title": title,
            "description": None,
            "status": status,
            "due_date": due_date,
            "completed_at": None,
            "created_at": "2026-11-24T11:00:00+00:00",
            "updated_at": "2026-11-24T12:00:00+00:00",
            "owner_id": str(owner_id),
        },
    }
    if data_changes is not None:
        event["data"]["changes"] = data_changes
    if request_id is not None:
        event["requestid"] = request_id
    event.update(overrides)
    return event


def raw(value: dict[str, Any] | bytes | None, offset: int = 7) -> RawMessage:
    body = json.dumps(value).encode() if isinstance(value, dict) else value
    return RawMessage(
        topic="task-events",
        partition=3,
        offset=offset,
        key=b"task-key",
        value=body,
        headers=(("ce_id", b"abc"),),
        timestamp_ms=1_790_000_000_000,
    )
