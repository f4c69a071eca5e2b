"""The notification repository: written once per event, read by its owner newest first."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Connection, Table, select, tuple_

from notification_consumer.db.models import NotificationRow
from notification_consumer.domain.notifications import Notification
from taskwire_events import EventType
from taskwire_sql import Position

TABLE = cast(Table, NotificationRow.__table__)
ADD = TABLE.insert()  # built once; see events.RECORD


class NotificationRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, stored: Sequence[tuple[Notification, datetime]]) -> None:
        """Insert notifications, each with the time of its event, in one statement."""
        if not stored:
            return
        self._connection.execute(
            ADD,
            [
                {
                    "id": n.id,
                    "owner_id": n.owner_id,
                    "event_id": n.event_id,
                    "type": n.type.value,
                    "task_id": n.task_id,
                    "title": n.title,
                    "message": n.message,
                    "request_id": n.request_id,
                    "event_time": event_time,
                    "created_at": n.created_at,
                }
                for n, event_time in stored
            ],
        )

    def page(self, owner_id: UUID, limit: int, after: Position | None) -> list[Notification]:
        """Up to `limit + 1` of the owner's notifications, newest first, after `after`."""
        query = select(TABLE).where(TABLE.c.owner_id == owner_id)
        if after is not None:
            query = query.where(
                tuple_(TABLE.c.created_at, TABLE.c.id) < tuple_(after.key, after.id)
            )
        query = query.order_by(TABLE.c.created_at.desc(), TABLE.c.id.desc()).limit(limit + 1)
        return [notification(row) for row in self._connection.execute(query).mappings()]


def notification(row: Any) -> Notification:
    return Notification(
        id=row["id"],
        owner_id=row["owner_id"],
        event_id=row["event_id"],
        type=EventType(row["type"]),
        task_id=row["task_id"],
        title=row["title"],
        message=row["message"],
        created_at=row["created_at"],
        request_id=row["request_id"],
    )
