"""One database transaction per use case; it rolls back unless the use case commits."""

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Connection, Engine

from task_api.db.idempotency import IdempotencyKeys
from task_api.db.outbox import Outbox
from task_api.db.tasks import TaskRepository


class UnitOfWork(Protocol):
    tasks: TaskRepository
    outbox: Outbox
    idempotency: IdempotencyKeys

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class SqlUnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        self._connection = self._engine.connect()
        self._connection.begin()
        self.tasks = TaskRepository(self._connection)
        self.outbox = Outbox(self._connection)
        self.idempotency = IdempotencyKeys(self._connection)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        try:
            self._connection.rollback()  # a no-op after commit()
        finally:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        assert self._connection is not None
        self._connection.commit()
