"""A notification: what one task event tells the task's owner, in words."""

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from notification_consumer.domain.events import FieldChange, TaskEvent
from taskwire_events import EventType

_STATUS_WORDS = {"todo": "to do", "in_progress": "in progress", "done": "done"}
_FIELD_WORDS = {
    "title": "title",
    "description": "description",
    "status": "status",
    "due_date": "due date",
}
_DESCRIPTION_MAX = 80
_HEADLINES = {
    EventType.CREATED: "Task created",
    EventType.UPDATED: "Task updated",
    EventType.COMPLETED: "Task completed",
    EventType.DELETED: "Task deleted",
    EventType.DUE_SOON: "Task due soon",
}


@dataclass(frozen=True)
class Notification:
    id: UUID
    owner_id: UUID
    event_id: UUID
    type: EventType
    task_id: UUID
    title: str
    message: str
    created_at: datetime
    request_id: str | None = None

    @property
    def headline(self) -> str:
        return _HEADLINES[self.type]

    def as_api(self) -> dict[str, Any]:
        """The notification as GET /notifications shows it."""
        return {
            "id": str(self.id),
            "event_id": str(self.event_id),
            "type": self.type.value,
            "task_id": str(self.task_id),
            "title": self.title,
            "message": self.message,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
        }


def notification_for(event: TaskEvent, notification_id: UUID, now: datetime) -> Notification:
    return Notification(
        id=notification_id,
        owner_id=event.owner_id,
        event_id=event.id,
        type=event.type,
        task_id=event.task_id,
        title=event.title,
        message=message_for(event),
        created_at=now,
        request_id=event.request_id,
    )


def message_for(event: TaskEvent) -> str:
    """One sentence or two a person reads in a list of notifications or an e-mail."""
    title = _quoted(event.title)
    if event.type is EventType.CREATED:
        return f"Your task {title} was created.{_due(event.due_date)}"
    if event.type is EventType.COMPLETED:
        return f"Your task {title} was completed. Well done!"
    if event.type is EventType.DELETED:
        return f"Your task {title} was deleted."
    if event.type is EventType.DUE_SOON:
        return f"Your task {title} {_due_soon(event)}."
    if event.changes:
        words = "; ".join(
            f"{label} {old} \u2192 {new}" for label, old, new in change_words(event.changes, UTC)
        )
        return f"Your task {title} was updated: {words}."
    status = _STATUS_WORDS.get(event.status or "", event.status)
    state = f" It is now {status}." if status else ""
    return f"Your task {title} was updated.{state}{_due(event.due_date)}"


def change_words(changes: tuple[FieldChange, ...], zone: tzinfo) -> list[tuple[str, str, str]]:
    """Each change as (field, old, new) in words, times in the given zone, each on one line."""
    return [
        (
            _FIELD_WORDS.get(c.field, c.field),
            value_words(c.field, c.old, zone),
            value_words(c.field, c.new, zone),
        )
        for c in changes
    ]


def value_words(name: str, value: str | None, zone: tzinfo) -> str:
    if value is None or not value.strip():
        return "none"
    if name == "status":
        return _STATUS_WORDS.get(value, value)
    if name == "due_date":
        return moment_words(value, zone) or value
    text = " ".join(value.split())
    if name == "description" and len(text) > _DESCRIPTION_MAX:
        text = text[: _DESCRIPTION_MAX - 1] + "\u2026"
    return "\u201c" + text + "\u201d"


def moment_words(value: str | datetime, zone: tzinfo) -> str | None:
    """`Tue 01 Dec 2026, 10:00 CET` in the zone; None for what is not a timestamp with offset."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname() or 'UTC'}"


def _quoted(title: str) -> str:
    # One line, whatever the title holds: lists and e-mail subjects stay one line each.
    return "\u201c" + " ".join(title.split()) + "\u201d"


def _due_soon(event: TaskEvent) -> str:
    """ "is due …", or "was due …" when the reminder comes after the due date (a scheduler that
    was down reminds late rather than never)."""
    words = moment_words(event.due_date or "", UTC)
    if words is None:
        return "is due soon"
    moment = datetime.fromisoformat(event.due_date or "")
    return f"was due {words}" if moment < event.time else f"is due {words}"


def _due(due_date: str | None) -> str:
    if not due_date:
        return ""
    words = moment_words(due_date, UTC)
    return f" It is due {words}." if words else ""
