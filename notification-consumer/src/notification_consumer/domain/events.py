"""Task events as the consumer receives them: CloudEvents 1.0, structured JSON (contract §4)."""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from notification_consumer.domain.errors import PoisonMessage

SPEC_VERSION = "1.0"
# The request id becomes a log field and an e-mail header: only a safe shape is carried over.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class EventType(StrEnum):
    CREATED = "task.created"
    UPDATED = "task.updated"
    COMPLETED = "task.completed"
    DELETED = "task.deleted"


@dataclass(frozen=True)
class RawMessage:
    """A message exactly as it arrived, and where from: what a dead letter must carry."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp_ms: int | None = None


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
    if not value:
        raise PoisonMessage("empty message")
    try:
        envelope = json.loads(value)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise PoisonMessage(f"not JSON: {error}") from None
    if not isinstance(envelope, dict):
        raise PoisonMessage("not a JSON object")
    if envelope.get("specversion") != SPEC_VERSION:
        raise PoisonMessage(f"unsupported specversion {envelope.get('specversion')!r}")
    try:
        event_type = EventType(str(envelope.get("type")))
    except ValueError:
        raise PoisonMessage(f"unknown event type {envelope.get('type')!r}") from None
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise PoisonMessage("data is not an object")
    task_id = _uuid(envelope, "subject")
    if _uuid(data, "id") != task_id:
        raise PoisonMessage("subject and data.id differ")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PoisonMessage("data.title is missing")
    return TaskEvent(
        id=_uuid(envelope, "id"),
        type=event_type,
        task_id=task_id,
        owner_id=_uuid(data, "owner_id"),
        title=title,
        status=_optional_text(data, "status"),
        due_date=_optional_text(data, "due_date"),
        time=_time(envelope.get("time")),
        request_id=_request_id(envelope.get("requestid")),
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


def _uuid(container: dict[str, Any], name: str) -> UUID:
    try:
        return UUID(str(container[name]))
    except (KeyError, ValueError):
        raise PoisonMessage(f"{name} is not a UUID") from None


def _optional_text(container: dict[str, Any], name: str) -> str | None:
    value = container.get(name)
    return value if isinstance(value, str) else None


def _time(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise PoisonMessage("time is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise PoisonMessage("time has no offset")
    return moment


def _request_id(value: object) -> str | None:
    return value if isinstance(value, str) and _REQUEST_ID.match(value) else None
