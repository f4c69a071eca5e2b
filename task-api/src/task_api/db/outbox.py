"""The outbox: each event is inserted and deleted in the change's own transaction, so the
table stays empty and the write-ahead log alone carries the event to the relay."""

import json
from typing import Any

from sqlalchemy import Connection, text

# Debezium's outbox shape (migration 0001). Both statements travel in one round trip: the
# DELETE, a later command of the same transaction, sees the row, and the WAL keeps the insert.
INSERT_AND_DELETE = text(
    "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, request_id, created_at)"
    " VALUES (CAST(:id AS uuid), 'task', :aggregateid, :type, CAST(:payload AS jsonb),"
    " :request_id, CAST(:created_at AS timestamptz));"
    " DELETE FROM outbox WHERE id = CAST(:id AS uuid)"
)


class Outbox:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, event: dict[str, Any], request_id: str | None) -> None:
        self._connection.execute(
            INSERT_AND_DELETE,
            {
                "id": event["id"],
                "aggregateid": event["subject"],
                "type": event["type"],
                "payload": json.dumps(event, separators=(",", ":")),
                "request_id": request_id,
                "created_at": event["time"],
            },
        )
