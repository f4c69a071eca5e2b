"""One database transaction per use case; it rolls back unless the use case commits."""

from typing import Protocol

from sqlalchemy import Connection

from task_api.db.idempotency import IdempotencyKeys
from task_api.db.outbox import Outbox
from task_api.db.reminders import ReminderRepository
from task_api.db.tasks import TaskRepository
from task_api.domain.errors import StoreUnavailable
from taskwire_sql import SqlTransaction, TransactionScope


class UnitOfWork(TransactionScope, Protocol):
    tasks: TaskRepository
    outbox: Outbox
    idempotency: IdempotencyKeys
    reminders: ReminderRepository


class SqlUnitOfWork(SqlTransaction):
    """The database being away is StoreUnavailable (the caller may retry). The engine pings
    only connections left idle (taskwire_sql.ping_when_idle): one in steady use that the
    database dropped fails its first statement, and the pool replaces it."""

    unavailable = StoreUnavailable

    def bind(self, connection: Connection) -> None:
        self.tasks = TaskRepository(connection)
        self.outbox = Outbox(connection)
        self.idempotency = IdempotencyKeys(connection)
        self.reminders = ReminderRepository(connection)
