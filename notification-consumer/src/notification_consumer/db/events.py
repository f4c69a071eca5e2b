"""The record of processed events: an event id is handled once, whatever Kafka redelivers."""

from collections.abc import Sequence
from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Connection, Integer, Table, bindparam, delete, exists, select
from sqlalchemy.dialects.postgresql import insert

from notification_consumer.db.models import EmailDeliveryRow, ProcessedEventRow
from notification_consumer.domain.emails import SETTLED, DeliveryStatus
from notification_consumer.domain.events import TaskEvent
from taskwire_events import RawMessage

TABLE = cast(Table, ProcessedEventRow.__table__)
DELIVERIES = cast(Table, EmailDeliveryRow.__table__)
# An e-mail still owed or in flight is sent only while its event's record exists (the sender
# reads the event's source through it): such a record stays, however old, until it settles.
OWED = [status.value for status in DeliveryStatus if status not in SETTLED]
# Built once: the hot path only binds values (building a statement per call costs more CPU
# than PostgreSQL spends running it).
RECORD = (
    insert(TABLE)
    .on_conflict_do_nothing(index_elements=[TABLE.c.event_id])
    .returning(TABLE.c.event_id)
)
# The oldest records first, along the index on processed_at; SKIP LOCKED: two workers pruning
# at once take different rows instead of waiting for each other.
PRUNE = delete(TABLE).where(
    TABLE.c.event_id.in_(
        select(TABLE.c.event_id)
        .where(
            TABLE.c.processed_at < bindparam("before"),
            ~exists().where(
                DELIVERIES.c.event_id == TABLE.c.event_id, DELIVERIES.c.status.in_(OWED)
            ),
        )
        .order_by(TABLE.c.processed_at)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
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

    def prune(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` records of events processed before `before`, oldest first;
        how many were deleted."""
        result = self._connection.execute(PRUNE, {"before": before, "limit": limit})
        return result.rowcount
