"""The SQL half of a unit of work: one connection, one transaction, rolled back unless committed."""

from abc import ABC, abstractmethod
from types import TracebackType
from typing import ClassVar, Protocol, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


class TransactionScope(Protocol):
    """A unit of work as its use case sees it, besides its repositories: a `with` block that
    rolls back unless `commit()` was called. A service's UnitOfWork protocol extends it."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class SqlTransaction(ABC):
    """A service's unit of work subclasses this: it names the error that means "the database is
    away, retry" (`unavailable`, one of the service's own domain errors) and builds its
    repositories on the connection in `bind`. Any other error passes through unchanged: it is
    about the work, and retrying it would fail again."""

    unavailable: ClassVar[type[Exception]]

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    @abstractmethod
    def bind(self, connection: Connection) -> None:
        """Build this unit of work's repositories on the transaction's connection."""

    def __enter__(self) -> Self:
        try:
            self._connection = self._engine.connect()
            self._connection.begin()
        except DBAPIError as error:
            raise self._translated(error) from error
        self.bind(self._connection)
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
            raise self.unavailable(str(error.orig)) from error

    def commit(self) -> None:
        assert self._connection is not None
        self._connection.commit()

    def _translated(self, error: DBAPIError) -> Exception:
        return self.unavailable(str(error.orig)) if _is_outage(error) else error


def _is_outage(error: DBAPIError) -> bool:
    return isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated
