"""An in-memory unit of work for the use-case tests: same interface, no database."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from task_api.domain.listing import TaskFilter
from task_api.domain.tasks import Task
from taskwire_sql import Position


@dataclass
class FakeTasks:
    rows: dict[tuple[UUID, UUID], Task] = field(default_factory=dict)

    def get(self, owner_id: UUID, task_id: UUID, for_update: bool = False) -> Task | None:
        return self.rows.get((owner_id, task_id))

    def add(self, task: Task) -> None:
        self.rows[(task.owner_id, task.id)] = task

    def update(self, task: Task) -> None:
        self.rows[(task.owner_id, task.id)] = task

    def delete(self, owner_id: UUID, task_id: UUID) -> Task | None:
        return self.rows.pop((owner_id, task_id), None)

    def page(self, wanted: TaskFilter, after: Position | None) -> list[Task]:
        def key(task: Task) -> tuple[datetime, UUID]:
            return (task.created_at, task.id)

        mine = [t for t in self.rows.values() if t.owner_id == wanted.owner_id]
        ordered = sorted(mine, key=key, reverse=wanted.sort.descending)
        if after is not None:
            assert after.key is not None
            boundary = (after.key, after.id)
            ordered = [
                t
                for t in ordered
                if (key(t) < boundary if wanted.sort.descending else key(t) > boundary)
            ]
        return ordered[: wanted.limit + 1]


@dataclass
class FakeOutbox:
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, event: dict[str, Any], request_id: str | None) -> None:
        self.events.append(event)


@dataclass
class FakeIdempotency:
    keys: dict[tuple[UUID, str], tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def claim(
        self, owner_id: UUID, key: str, request_hash: str, now: datetime, expires_at: datetime
    ) -> tuple[str, dict[str, Any]] | None:
        if (owner_id, key) in self.keys:
            return self.keys[(owner_id, key)]
        self.keys[(owner_id, key)] = (request_hash, {})
        return None

    def record(self, owner_id: UUID, key: str, response: dict[str, Any]) -> None:
        request_hash, _ = self.keys[(owner_id, key)]
        self.keys[(owner_id, key)] = (request_hash, response)


class FakeUnitOfWork:
    """Changes become visible only on commit, like a transaction."""

    def __init__(self) -> None:
        self.tasks = FakeTasks()
        self.outbox = FakeOutbox()
        self.idempotency = FakeIdempotency()
        self.committed: list[Any] = []
        self._snapshot: tuple[dict[Any, Any], int, dict[Any, Any]] | None = None

    def __enter__(self) -> "FakeUnitOfWork":
        self._snapshot = (
            dict(self.tasks.rows),
            len(self.outbox.events),
            dict(self.idempotency.keys),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._snapshot is not None:  # not committed: roll back
            rows, events, keys = self._snapshot
            self.tasks.rows = rows
            del self.outbox.events[events:]
            self.idempotency.keys = keys
        self._snapshot = None

    def commit(self) -> None:
        self._snapshot = None
        self.committed.append(True)
