"""The reminder scan: claims a batch of the tasks owed a reminder and records it as sent."""

from datetime import datetime

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from task_api.db.tasks import task_of
from task_api.domain.reminders import ReminderState
from task_api.domain.tasks import Task

# The partial index tasks_reminder_owed (migration 0004) holds exactly the rows of this
# predicate, in due-date order: the scan reads its first rows up to the horizon, no sort. SKIP
# LOCKED lets several schedulers share the work, each claiming rows the others do not hold, and
# leaves a task being changed right now to the next scan.
CLAIM = text(
    "SELECT owner_id, id, title, description, status, due_date, completed_at, created_at,"
    " updated_at, version, reminded_due FROM tasks"
    " WHERE status <> 'done' AND due_date IS NOT NULL AND reminded_due IS DISTINCT FROM due_date"
    " AND due_date <= :horizon"
    " ORDER BY due_date LIMIT :limit FOR UPDATE SKIP LOCKED"
)
# The rows are locked: their due dates are the ones the events announce.
MARK_SENT = text(
    "UPDATE tasks SET reminded_due = due_date"
    " FROM unnest(:owner_ids, :ids) AS sent(owner_id, id)"
    " WHERE tasks.owner_id = sent.owner_id AND tasks.id = sent.id"
).bindparams(
    bindparam("owner_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("ids", type_=ARRAY(UUID(as_uuid=True))),
)


class ReminderRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def claim(self, horizon: datetime, limit: int) -> list[ReminderState]:
        """Lock and return up to `limit` tasks owed a reminder whose due date is by `horizon`."""
        rows = self._connection.execute(CLAIM, {"horizon": horizon, "limit": limit}).mappings()
        return [ReminderState(task_of(row), row["reminded_due"]) for row in rows]

    def mark_sent(self, tasks: list[Task]) -> None:
        if tasks:
            self._connection.execute(
                MARK_SENT, {"owner_ids": [t.owner_id for t in tasks], "ids": [t.id for t in tasks]}
            )
