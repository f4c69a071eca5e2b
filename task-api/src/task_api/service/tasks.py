"""The task use cases: each runs in one transaction that writes the change and its event."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from task_api.db.unit_of_work import UnitOfWork
from task_api.domain import tasks
from task_api.domain.errors import IdempotencyKeyReused, PreconditionFailed, TaskNotFound
from task_api.domain.events import task_event
from task_api.domain.listing import TaskFilter
from task_api.domain.tasks import Change, Task
from taskwire_events import EventType
from taskwire_sql import CursorCodec, Page, Position, uuid7

IDEMPOTENCY_TTL = timedelta(hours=24)
ANY = "*"


TaskPage = Page[Task]  # what the HTTP layer renders (it never imports the SQL kit)


@dataclass(frozen=True)
class Created:
    """A created task as the API answers it; `replayed` when an idempotency key matched."""

    body: dict[str, Any]
    etag: str
    replayed: bool


class TaskService:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        cursors: CursorCodec,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], UUID] = uuid7,
    ) -> None:
        self._uow = unit_of_work
        self._cursors = cursors
        self._now = clock
        self._new_id = new_id

    def create_task(
        self,
        owner_id: UUID,
        fields: dict[str, Any],
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> Created:
        now = self._now()
        task = Task.new(id=self._new_id(), owner_id=owner_id, now=now, **fields)
        created = Created(body=task.as_api(), etag=task.etag(), replayed=False)
        with self._uow() as uow:
            if idempotency_key is not None:
                fingerprint = _fingerprint(fields)
                earlier = uow.idempotency.claim(
                    owner_id, idempotency_key, fingerprint, now, now + IDEMPOTENCY_TTL
                )
                if earlier is not None:
                    earlier_hash, response = earlier
                    if earlier_hash != fingerprint:
                        raise IdempotencyKeyReused(idempotency_key)
                    return Created(body=response["body"], etag=response["etag"], replayed=True)
                uow.idempotency.record(
                    owner_id, idempotency_key, {"body": created.body, "etag": created.etag}
                )
            uow.tasks.add(task)
            self._publish(uow, EventType.CREATED, task, now, request_id)
            uow.commit()
        return created

    def get_task(self, owner_id: UUID, task_id: UUID) -> Task:
        with self._uow() as uow:
            return _found(uow.tasks.get(owner_id, task_id))

    def list_tasks(self, wanted: TaskFilter, cursor: str | None = None) -> TaskPage:
        fingerprint = wanted.fingerprint()
        after = self._cursors.decode(fingerprint, cursor) if cursor else None
        with self._uow() as uow:
            found = uow.tasks.page(wanted, after)

        def position_of(last: Task) -> Position:
            key = last.due_date if wanted.sort.by_due_date else last.created_at
            return Position(key, last.id)

        return self._cursors.page(fingerprint, found, wanted.limit, position_of)

    def update_task(
        self,
        owner_id: UUID,
        task_id: UUID,
        patch: dict[str, Any],
        if_match: frozenset[str] | None = None,
        request_id: str | None = None,
    ) -> Task:
        return self._change(
            owner_id, task_id, lambda t, now: tasks.apply_patch(t, patch, now), if_match, request_id
        )

    def complete_task(self, owner_id: UUID, task_id: UUID, request_id: str | None = None) -> Task:
        return self._change(owner_id, task_id, tasks.complete, None, request_id)

    def delete_task(self, owner_id: UUID, task_id: UUID, request_id: str | None = None) -> None:
        now = self._now()
        with self._uow() as uow:
            task = _found(uow.tasks.delete(owner_id, task_id))
            self._publish(uow, EventType.DELETED, task, now, request_id)
            uow.commit()

    def _change(
        self,
        owner_id: UUID,
        task_id: UUID,
        decide: Callable[[Task, datetime], Change],
        if_match: frozenset[str] | None,
        request_id: str | None,
    ) -> Task:
        now = self._now()
        with self._uow() as uow:
            task = _found(uow.tasks.get(owner_id, task_id, for_update=True))
            if if_match is not None and ANY not in if_match and task.etag() not in if_match:
                raise PreconditionFailed(task.etag())
            change = decide(task, now)
            if change.event is None:
                return task  # a no-op writes nothing and emits no event
            uow.tasks.update(change.task)
            self._publish(uow, change.event, change.task, now, request_id, change.changes)
            uow.commit()
            return change.task

    def _publish(
        self,
        uow: UnitOfWork,
        kind: EventType,
        task: Task,
        now: datetime,
        request_id: str | None,
        changes: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        event = task_event(self._new_id(), kind, task, now, request_id, changes)
        uow.outbox.add(event, request_id)


def _found(task: Task | None) -> Task:
    if task is None:
        raise TaskNotFound()
    return task


def _fingerprint(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
