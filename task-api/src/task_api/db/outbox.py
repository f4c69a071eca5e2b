"""The outbox: each event is inserted and deleted in the change's own transaction, so the
table stays empty and the write-ahead log alone carries the event to the relay."""

from typing import Any, cast
from uuid import UUID

from sqlalchemy import Connection, Table

from task_api.db.models import OutboxRow

TABLE = cast(Table, OutboxRow.__table__)


class Outbox:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, event: dict[str, Any], request_id: str | None) -> None:
        event_id = UUID(event["id"])
        self._connection.execute(
            TABLE.insert().values(
                id=event_id,
                aggregatetype="task",
                aggregateid=event["subject"],
                type=event["type"],
                payload=event,
                request_id=request_id,
                created_at=event["time"],
            )
        )
        self._connection.execute(TABLE.delete().where(TABLE.c.id == event_id))
