"""The CloudEvents 1.0 envelope of a task event, structured JSON mode: `cloud_event` writes it
(task-api's outbox), `read` checks it (the notification worker); the fields of `data` are the
two sides' own (docs/events.md)."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from taskwire_events.types import EventType

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class InvalidEvent(ValueError):
    """The bytes are not a task event's CloudEvent; the message says what is wrong."""


@dataclass(frozen=True)
class CloudEvent:
    id: UUID
    type: EventType
    subject: UUID  # the task's id
    time: datetime
    data: dict[str, Any]
    request_id: object  # the `requestid` extension as sent; the reader decides what to trust


def cloud_event(
    event_id: UUID,
    event_type: EventType,
    source: str,
    subject: UUID,
    time: datetime,
    data: dict[str, Any],
    request_id: str | None,
) -> dict[str, Any]:
    """The envelope as a JSON-ready dict."""
    event: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": str(event_id),
        "source": source,
        "type": event_type.value,
        "subject": str(subject),
        "time": time.isoformat(),
        "datacontenttype": CONTENT_TYPE,
        "data": data,
    }
    if request_id:
        event["requestid"] = request_id  # extension attribute: follows the change to the mail
    return event


def read(value: bytes | None) -> CloudEvent:
    """Parse and check one envelope; InvalidEvent when it is not one we can act on."""
    if not value:
        raise InvalidEvent("empty message")
    try:
        envelope = json.loads(value)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise InvalidEvent(f"not JSON: {error}") from None
    if not isinstance(envelope, dict):
        raise InvalidEvent("not a JSON object")
    if envelope.get("specversion") != SPEC_VERSION:
        raise InvalidEvent(f"unsupported specversion {envelope.get('specversion')!r}")
    try:
        event_type = EventType(str(envelope.get("type")))
    except ValueError:
        raise InvalidEvent(f"unknown event type {envelope.get('type')!r}") from None
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise InvalidEvent("data is not an object")
    return CloudEvent(
        id=uuid_field(envelope, "id"),
        type=event_type,
        subject=uuid_field(envelope, "subject"),
        time=_time(envelope.get("time")),
        data=data,
        request_id=envelope.get("requestid"),
    )


def uuid_field(container: dict[str, Any], name: str) -> UUID:
    try:
        return UUID(str(container[name]))
    except (KeyError, ValueError):
        raise InvalidEvent(f"{name} is not a UUID") from None


def _time(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidEvent("time is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise InvalidEvent("time has no offset")
    return moment
