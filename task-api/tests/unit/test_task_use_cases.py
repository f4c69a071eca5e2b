"""The task use cases against an in-memory unit of work."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from task_api.domain.errors import (
    IdempotencyKeyReused,
    InvalidCursor,
    PreconditionFailed,
    TaskNotFound,
)
from task_api.domain.listing import TaskFilter
from task_api.domain.tasks import Status
from task_api.service.tasks import TaskService
from taskwire_sql import CursorCodec

from .fakes import FakeUnitOfWork

ALICE = UUID("00000000-0000-7000-8000-00000000a11c")
BOB = UUID("00000000-0000-7000-8000-000000000b0b")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def service(uow: FakeUnitOfWork) -> TaskService:
    return TaskService(
        lambda: uow, CursorCodec("test-secret", InvalidCursor), clock=Clock(), new_id=uuid4
    )


def _types(uow: FakeUnitOfWork) -> list[str]:
    return [e["type"] for e in uow.outbox.events]


def test_creating_a_task_stores_it_and_emits_task_created(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    created = service.create_task(ALICE, {"title": "Write the report"}, request_id="req-1")

    assert created.body["status"] == "todo"
    assert created.etag == '"1"'
    [event] = uow.outbox.events
    assert event["type"] == "task.created"
    assert event["subject"] == created.body["id"]
    assert event["data"]["owner_id"] == str(ALICE)
    assert event["data"]["title"] == "Write the report"
    assert event["requestid"] == "req-1"
    assert event["specversion"] == "1.0"


def test_creating_a_done_task_sets_completed_at(service: TaskService) -> None:
    created = service.create_task(ALICE, {"title": "Already done", "status": Status.DONE})
    assert created.body["completed_at"] is not None


def test_the_same_idempotency_key_and_body_replays_the_first_response(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    first = service.create_task(ALICE, {"title": "Once"}, idempotency_key="k1")
    again = service.create_task(ALICE, {"title": "Once"}, idempotency_key="k1")

    assert again.replayed
    assert again.body == first.body
    assert len(uow.tasks.rows) == 1
    assert _types(uow) == ["task.created"]


def test_the_same_idempotency_key_with_another_body_is_refused(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    service.create_task(ALICE, {"title": "Once"}, idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        service.create_task(ALICE, {"title": "Twice"}, idempotency_key="k1")
    assert len(uow.tasks.rows) == 1


def test_idempotency_keys_belong_to_their_user(service: TaskService, uow: FakeUnitOfWork) -> None:
    service.create_task(ALICE, {"title": "Mine"}, idempotency_key="k1")
    service.create_task(BOB, {"title": "Mine"}, idempotency_key="k1")
    assert len(uow.tasks.rows) == 2


def test_another_users_task_is_not_found_for_every_verb(service: TaskService) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "Private"}).body["id"])
    with pytest.raises(TaskNotFound):
        service.get_task(BOB, task_id)
    with pytest.raises(TaskNotFound):
        service.update_task(BOB, task_id, {"title": "Stolen"})
    with pytest.raises(TaskNotFound):
        service.complete_task(BOB, task_id)
    with pytest.raises(TaskNotFound):
        service.delete_task(BOB, task_id)


def test_updating_a_task_bumps_its_version_and_emits_task_updated(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "Draft"}).body["id"])
    updated = service.update_task(ALICE, task_id, {"title": "Final", "status": Status.IN_PROGRESS})

    assert updated.title == "Final"
    assert updated.version == 2
    assert updated.updated_at > updated.created_at
    assert _types(uow) == ["task.created", "task.updated"]


def test_an_update_event_carries_each_changed_fields_old_and_new_value(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    due = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    task_id = UUID(service.create_task(ALICE, {"title": "Draft", "description": "d"}).body["id"])
    service.update_task(
        ALICE,
        task_id,
        {"title": "Final", "description": "d", "status": Status.IN_PROGRESS, "due_date": due},
    )
    created, updated = uow.outbox.events
    assert "changes" not in created["data"]
    assert updated["data"]["changes"] == {
        "title": {"from": "Draft", "to": "Final"},
        "status": {"from": "todo", "to": "in_progress"},
        "due_date": {"from": None, "to": "2026-12-01T09:00:00+00:00"},
    }
    assert updated["data"]["title"] == "Final"  # the task as the API shows it, as before


def test_a_completion_carries_the_status_change(service: TaskService, uow: FakeUnitOfWork) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "Ship"}).body["id"])
    service.complete_task(ALICE, task_id)
    assert uow.outbox.events[-1]["data"]["changes"] == {"status": {"from": "todo", "to": "done"}}


def test_an_update_that_changes_nothing_emits_no_event(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "Same"}).body["id"])
    unchanged = service.update_task(ALICE, task_id, {"title": "Same"})
    assert unchanged.version == 1
    assert _types(uow) == ["task.created"]


def test_an_update_that_makes_the_task_done_is_a_completion(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "Ship"}).body["id"])
    done = service.update_task(ALICE, task_id, {"status": Status.DONE})
    assert done.completed_at is not None
    assert _types(uow) == ["task.created", "task.completed"]


def test_leaving_done_clears_completed_at(service: TaskService) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "Reopen"}).body["id"])
    service.complete_task(ALICE, task_id)
    reopened = service.update_task(ALICE, task_id, {"status": Status.TODO})
    assert reopened.completed_at is None


def test_completing_a_done_task_emits_no_event(service: TaskService, uow: FakeUnitOfWork) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "Twice"}).body["id"])
    first = service.complete_task(ALICE, task_id)
    second = service.complete_task(ALICE, task_id)
    assert second == first
    assert _types(uow) == ["task.created", "task.completed"]


def test_a_stale_if_match_is_refused_and_changes_nothing(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "v1"}).body["id"])
    service.update_task(ALICE, task_id, {"title": "v2"}, if_match=frozenset({'"1"'}))
    with pytest.raises(PreconditionFailed):
        service.update_task(ALICE, task_id, {"title": "v3"}, if_match=frozenset({'"1"'}))
    assert service.get_task(ALICE, task_id).title == "v2"
    assert _types(uow) == ["task.created", "task.updated"]


def test_deleting_emits_task_deleted_and_the_task_is_gone(
    service: TaskService, uow: FakeUnitOfWork
) -> None:
    task_id = UUID(service.create_task(ALICE, {"title": "Bye"}).body["id"])
    service.delete_task(ALICE, task_id)
    with pytest.raises(TaskNotFound):
        service.get_task(ALICE, task_id)
    assert _types(uow) == ["task.created", "task.deleted"]
    assert uow.outbox.events[-1]["data"]["title"] == "Bye"


def test_walking_the_pages_returns_every_task_exactly_once(service: TaskService) -> None:
    ids = {service.create_task(ALICE, {"title": f"t{n}"}).body["id"] for n in range(7)}
    service.create_task(BOB, {"title": "not alice's"})
    wanted = TaskFilter(owner_id=ALICE, limit=3)

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = service.list_tasks(wanted, cursor)
        seen += [str(t.id) for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(ids)


def test_a_cursor_from_another_query_is_refused(service: TaskService) -> None:
    for n in range(3):
        service.create_task(ALICE, {"title": f"t{n}"})
    cursor = service.list_tasks(TaskFilter(owner_id=ALICE, limit=1)).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        service.list_tasks(TaskFilter(owner_id=BOB, limit=1), cursor)
    with pytest.raises(InvalidCursor):
        service.list_tasks(TaskFilter(owner_id=ALICE, limit=1), cursor[:-2] + "xx")
