"""Read-only looks into the notification worker's database, as its runtime role."""

import os
from collections.abc import Collection
from datetime import datetime
from typing import Any

import psycopg2

from taskwire_testkit.stack import Stack


class NotificationStore:
    def __init__(self, stack: Stack) -> None:
        password = os.environ.get(
            "NOTIFICATION_CONSUMER_DB_PASSWORD", "notification-consumer-dev-only-password"
        )
        self._dsn = stack.dsn("notification_consumer", password, "notifications")

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with psycopg2.connect(self._dsn) as connection, connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        connection.close()
        return rows

    def notification_counts(self, event_ids: Collection[str]) -> dict[str, int]:
        """Notifications per event id, for the ids that have any."""
        rows = self.query(
            "SELECT event_id::text, count(*) FROM notifications"
            " WHERE event_id = ANY(%s::uuid[]) GROUP BY 1",
            list(event_ids),
        )
        return {event_id: count for event_id, count in rows}

    def notification_counts_of_owners(self, owner_ids: Collection[str]) -> dict[str, int]:
        """Notifications per event id, for every event of these owners."""
        rows = self.query(
            "SELECT event_id::text, count(*) FROM notifications"
            " WHERE owner_id = ANY(%s::uuid[]) GROUP BY 1",
            list(owner_ids),
        )
        return {event_id: count for event_id, count in rows}

    def delivery_statuses(self, event_ids: Collection[str]) -> dict[str, str]:
        """The state of each event's e-mail (one row per event id at most: its primary key)."""
        rows = self.query(
            "SELECT event_id::text, status FROM email_deliveries WHERE event_id = ANY(%s::uuid[])",
            list(event_ids),
        )
        return dict(rows)

    def first_email_owed_at(self, event_ids: Collection[str]) -> datetime | None:
        """When the first of these events' e-mails was put in the queue."""
        [(first,)] = self.query(
            "SELECT min(created_at) FROM email_deliveries WHERE event_id = ANY(%s::uuid[])",
            list(event_ids),
        )
        return first if isinstance(first, datetime) else None
