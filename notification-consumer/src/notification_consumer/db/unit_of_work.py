"""One database transaction per use case; it rolls back unless the use case commits."""

from typing import Protocol

from sqlalchemy import Connection

from notification_consumer.db.deliveries import EmailDeliveries
from notification_consumer.db.events import ProcessedEvents
from notification_consumer.db.feed import NotificationFeed
from notification_consumer.db.notifications import NotificationRepository
from notification_consumer.db.preferences import EmailPreferenceRepository
from notification_consumer.domain.errors import StoreUnavailable
from taskwire_sql import SqlTransaction, TransactionScope


class UnitOfWork(TransactionScope, Protocol):
    events: ProcessedEvents
    notifications: NotificationRepository
    deliveries: EmailDeliveries
    preferences: EmailPreferenceRepository
    feed: NotificationFeed


class SqlUnitOfWork(SqlTransaction):
    """The database being away is StoreUnavailable (wait and retry), told apart from "this work
    is wrong" (any other error: it will fail again)."""

    unavailable = StoreUnavailable

    def bind(self, connection: Connection) -> None:
        self.events = ProcessedEvents(connection)
        self.notifications = NotificationRepository(connection)
        self.deliveries = EmailDeliveries(connection)
        self.preferences = EmailPreferenceRepository(connection)
        self.feed = NotificationFeed(connection)
