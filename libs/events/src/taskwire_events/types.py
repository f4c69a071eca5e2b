"""The types of task event: past tense, `task.<verb>` (contract section 4)."""

from enum import StrEnum


class EventType(StrEnum):
    CREATED = "task.created"
    UPDATED = "task.updated"
    COMPLETED = "task.completed"
    DELETED = "task.deleted"
    DUE_SOON = "task.due_soon"  # the reminder scheduler's: the due date is near (not a change)
