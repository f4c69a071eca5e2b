"""One database transaction per use case; it rolls back unless the use case commits."""

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from task_api.db.idempotency import IdempotencyKeys
from task_api.db.outbox import Outbox
from task_api.db.tasks import TaskRepository
from task_api.domain.errors import StoreUnavailable


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
    """Also tells "the database is away" (StoreUnavailable: the caller may retry) apart from
    every other error. The engine does not ping on checkout (one round trip per request): a
    connection the database dropped fails its first statement, and the pool replaces it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        try:
            self._connection = self._engine.connect()
            self._connection.begin()
        except DBAPIError as error:
            raise _translated(error) from error
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
        except DBAPIError:
            pass  # a broken connection has nothing to roll back; the pool discards it
        finally:
            self._connection.close()
            self._connection = None
        if isinstance(error, DBAPIError) and _is_outage(error):
            raise StoreUnavailable(str(error.orig)) from error

    def commit(self) -> None:
        assert self._connection is not None
        self._connection.commit()


def _is_outage(error: DBAPIError) -> bool:
    return isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated


def _translated(error: DBAPIError) -> Exception:
    return StoreUnavailable(str(error.orig)) if _is_outage(error) else error
