"""Task events as the consumer acts on them: the events library reads the CloudEvent envelope,
this module the fields of `data` it needs (contract §4)."""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from notification_consumer.domain.errors import PoisonMessage
from taskwire_events import EventType, InvalidEvent, read
from taskwire_events.cloudevents import uuid_field

# The request id becomes a log field and an e-mail header: only a safe shape is carried over.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


# The fields task-api reports changes of (data.changes); any other name is ignored, so that a
# producer may report more fields without breaking this consumer.
CHANGEABLE = ("title", "description", "status", "due_date")


@dataclass(frozen=True)
class FieldChange:
    """One field of an update: its value before and after, as the API shows them."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class TaskEvent:
    id: UUID
    type: EventType
    task_id: UUID
    owner_id: UUID
    title: str
    status: str | None
    due_date: str | None
    time: datetime
    request_id: str | None
    changes: tuple[FieldChange, ...] = ()


def parse_event(value: bytes | None) -> TaskEvent:
    """Parse and validate one CloudEvent; anything we cannot act on is a PoisonMessage."""
    try:
        envelope = read(value)
        data = envelope.data
        if uuid_field(data, "id") != envelope.subject:
            raise PoisonMessage("subject and data.id differ")
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            raise PoisonMessage("data.title is missing")
        owner_id = uuid_field(data, "owner_id")
    except InvalidEvent as error:
        raise PoisonMessage(str(error)) from None
    return TaskEvent(
        id=envelope.id,
        type=envelope.type,
        task_id=envelope.subject,
        owner_id=owner_id,
        title=title,
        status=_optional_text(data, "status"),
        due_date=_optional_text(data, "due_date"),
        time=envelope.time,
        request_id=_request_id(envelope.request_id),
        changes=_changes(data.get("changes")),
    )


def _changes(value: object) -> tuple[FieldChange, ...]:
    """`data.changes` (docs/events.md), in a fixed field order. It is optional (events written
    before it existed have none) and only describes the change: an entry of an unexpected shape
    is left out rather than costing the owner the notification."""
    if not isinstance(value, dict):
        return ()
    changes = []
    for name in CHANGEABLE:
        entry = value.get(name)
        if not isinstance(entry, dict):
            continue
        old, new = entry.get("from"), entry.get("to")
        if all(v is None or isinstance(v, str) for v in (old, new)) and old != new:
            changes.append(FieldChange(name, old, new))
    return tuple(changes)


def _optional_text(container: dict[str, Any], name: str) -> str | None:
    value = container.get(name)
    return value if isinstance(value, str) else None


def _request_id(value: object) -> str | None:
    return value if isinstance(value, str) and _REQUEST_ID.match(value) else None
