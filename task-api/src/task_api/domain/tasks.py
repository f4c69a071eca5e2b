"""A task and the rules of changing it: what a change does and which event it means."""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from taskwire_events import EventType


class Status(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


EDITABLE = ("title", "description", "status", "due_date")


@dataclass(frozen=True)
class Task:
    id: UUID
    owner_id: UUID
    title: str
    description: str | None
    status: Status
    due_date: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def new(
        cls,
        id: UUID,
        owner_id: UUID,
        now: datetime,
        title: str,
        description: str | None = None,
        status: Status = Status.TODO,
        due_date: datetime | None = None,
    ) -> "Task":
        return cls(
            id=id,
            owner_id=owner_id,
            title=title,
            description=description,
            status=status,
            due_date=due_date,
            completed_at=now if status is Status.DONE else None,
            created_at=now,
            updated_at=now,
        )

    def etag(self) -> str:
        return f'"{self.version}"'

    def as_api(self) -> dict[str, Any]:
        """The task as the API shows it (and as events carry it)."""
        return {
            "id": str(self.id),
            "title": self.title,
            "description": self.description,
            "status": self.status.value,
            "due_date": _iso(self.due_date),
            "completed_at": _iso(self.completed_at),
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }


@dataclass(frozen=True)
class Change:
    """The outcome of applying a patch: the new task, the event it means (None: no-op) and, per
    field whose value changed, its old and new value as the API shows them."""

    task: Task
    event: EventType | None
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


def apply_patch(task: Task, patch: dict[str, Any], now: datetime) -> Change:
    """Apply the given fields; `completed_at` follows `status`; unchanged values change nothing."""
    unknown = set(patch) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = frozenset(name for name, value in patch.items() if getattr(task, name) != value)
    if not changed:
        return Change(task, None)
    updated = replace(task, **{name: patch[name] for name in changed})
    completed_at = task.completed_at
    if updated.status is Status.DONE and task.status is not Status.DONE:
        completed_at = now
    elif updated.status is not Status.DONE:
        completed_at = None
    updated = replace(updated, completed_at=completed_at, updated_at=now, version=task.version + 1)
    becomes_done = updated.status is Status.DONE and task.status is not Status.DONE
    event = EventType.COMPLETED if becomes_done else EventType.UPDATED
    return Change(updated, event, changes_between(task, updated, changed))


def changes_between(before: Task, after: Task, fields: frozenset[str]) -> dict[str, dict[str, Any]]:
    """`{field: {"from": old, "to": new}}` for the editable fields given, in API form."""
    old, new = before.as_api(), after.as_api()
    return {name: {"from": old[name], "to": new[name]} for name in EDITABLE if name in fields}


def complete(task: Task, now: datetime) -> Change:
    """Completing is idempotent: a done task stays as it is and means no event."""
    return apply_patch(task, {"status": Status.DONE}, now)


def _iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC, whatever offset the value came with."""
    return moment.astimezone(UTC).isoformat() if moment else None
