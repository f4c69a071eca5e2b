"""The CloudEvent of a task change (contract section 4): the envelope is the events library's,
`data` is the task as the API shows it."""

from datetime import datetime
from typing import Any
from uuid import UUID

from task_api.domain.tasks import Task
from taskwire_events import EventType, cloud_event

SOURCE = "urn:taskwire:task-api"


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
    return cloud_event(event_id, event_type, SOURCE, task.id, now, data, request_id)
