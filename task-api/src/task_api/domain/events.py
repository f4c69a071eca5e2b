"""CloudEvents 1.0 envelopes for task events (contract section 4)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from task_api.domain.tasks import EventType, Task

SOURCE = "urn:taskwire:task-api"
SPEC_VERSION = "1.0"


def task_event(
    event_id: UUID,
    event_type: EventType,
    task: Task,
    now: datetime,
    request_id: str | None,
    changes: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The CloudEvent of a change; an update or completion also carries `data.changes`: each
    changed field's old and new value (docs/events.md)."""
    data: dict[str, Any] = {**task.as_api(), "owner_id": str(task.owner_id)}
    if changes:
        data["changes"] = changes
    event: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": str(event_id),
        "source": SOURCE,
        "type": event_type.value,
        "subject": str(task.id),
        "time": now.isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }
    if request_id:
        event["requestid"] = request_id  # extension attribute: follows the change to the mail
    return event
