"""The record of processed events: an event id is handled once, whatever Kafka redelivers."""

from collections.abc import Sequence
from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Connection, Table
from sqlalchemy.dialects.postgresql import insert

from notification_consumer.db.models import ProcessedEventRow
from notification_consumer.domain.events import RawMessage, TaskEvent

TABLE = cast(Table, ProcessedEventRow.__table__)
# Built once: the hot path only binds values (building a statement per call costs more CPU
# than PostgreSQL spends running it).
RECORD = (
    insert(TABLE)
    .on_conflict_do_nothing(index_elements=[TABLE.c.event_id])
    .returning(TABLE.c.event_id)
)


class ProcessedEvents:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def record(self, batch: Sequence[tuple[TaskEvent, RawMessage]], now: datetime) -> set[UUID]:
        """Record the events' ids; the ids recorded now (the others were seen before).

        A concurrent insert of the same id waits on the first one's transaction and then
        finds the conflict: only one of two consumers racing on an event stores it.
        """
        if not batch:
            return set()
        rows = self._connection.execute(
            RECORD,
            [
                {
                    "event_id": event.id,
                    "type": event.type.value,
                    "topic": source.topic,
                    "partition": source.partition,
                    "offset": source.offset,
                    "processed_at": now,
                }
                for event, source in batch
            ],
        )
        return {row.event_id for row in rows}
