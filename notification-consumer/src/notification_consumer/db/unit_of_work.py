"""One database transaction per use case; it rolls back unless the use case commits."""

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from notification_consumer.db.deliveries import EmailDeliveries
from notification_consumer.db.events import ProcessedEvents
from notification_consumer.db.notifications import NotificationRepository
from notification_consumer.domain.errors import StoreUnavailable


class UnitOfWork(Protocol):
    events: ProcessedEvents
    notifications: NotificationRepository
    deliveries: EmailDeliveries

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class SqlUnitOfWork:
    """Also tells the callers apart "the database is away" (StoreUnavailable: wait and retry)
    from "this work is wrong" (any other error: it will fail again)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        try:
            self._connection = self._engine.connect()
            self._connection.begin()
        except DBAPIError as error:
            raise _translated(error) from error
        self.events = ProcessedEvents(self._connection)
        self.notifications = NotificationRepository(self._connection)
        self.deliveries = EmailDeliveries(self._connection)
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
