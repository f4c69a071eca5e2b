"""The reminder rules: which task is owed its one `task.due_soon` event, and what it says."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from task_api.domain.events import task_event
from task_api.domain.tasks import Status, Task
from taskwire_events import EventType

DEFAULT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ReminderState:
    """A task as the scheduler sees it: the task and the due date it was last reminded of."""

    task: Task
    reminded_due: datetime | None


def owes_reminder(state: ReminderState, now: datetime, window: timedelta) -> bool:
    """One reminder per task and due date, once the due date is within `window` of `now`: a
    done task is owed none (completing cancels it), a moved due date is owed a new one. A due
    date already past counts too: a scheduler that was down reminds late rather than never."""
    task = state.task
    if task.status is Status.DONE or task.due_date is None:
        return False
    if state.reminded_due == task.due_date:
        return False
    return task.due_date <= now + window


def reminder_event(event_id: UUID, task: Task, now: datetime) -> dict[str, Any]:
    """The `task.due_soon` CloudEvent: the task as the API shows it, like every task event."""
    return task_event(event_id, EventType.DUE_SOON, task, now, None)
