"""The domain serializes a task exactly as TaskSchema documents it, so the views send it as is."""

from datetime import UTC, datetime, timedelta

import pytest

from task_api.api.schemas import TaskSchema
from task_api.domain.tasks import Status, Task, complete
from taskwire_sql import uuid7

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NEW = Task.new(id=uuid7(), owner_id=uuid7(), now=NOW, title="Write the report")
DUE = Task.new(
    id=uuid7(),
    owner_id=uuid7(),
    now=NOW,
    title="Pay rent",
    description="Before the 1st",
    status=Status.IN_PROGRESS,
    due_date=NOW + timedelta(days=7),
)
DONE = complete(DUE, NOW + timedelta(hours=1)).task


@pytest.mark.parametrize("task", [NEW, DUE, DONE], ids=["new", "with a due date", "done"])
def test_dumping_a_serialized_task_through_task_schema_changes_nothing(task: Task) -> None:
    body = task.as_api()
    assert set(body) == set(TaskSchema().fields)
    assert TaskSchema().dump(body) == body
