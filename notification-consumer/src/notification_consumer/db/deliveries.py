"""E-mails owed, one per event: a queue in the database, claimed with SKIP LOCKED so that any
number of dispatchers share it, a state machine that never hands a body over twice, and the
settled e-mails pruned once past their retention."""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Connection, Integer, Table, Update, bindparam, delete, select

from notification_consumer.db.models import EmailDeliveryRow, NotificationRow, ProcessedEventRow
from notification_consumer.db.notifications import notification
from notification_consumer.domain.emails import SETTLED, DeliveryStatus
from notification_consumer.domain.notifications import Notification
from taskwire_events import RawMessage

TABLE = cast(Table, EmailDeliveryRow.__table__)
NOTIFICATIONS = cast(Table, NotificationRow.__table__)
EVENTS = cast(Table, ProcessedEventRow.__table__)
_ERROR_MAX = 2000

# Built once; the hot paths only bind values (see events.RECORD).
ADD = TABLE.insert()
CLAIM_DUE = (
    select(
        NOTIFICATIONS,
        EVENTS.c.topic,
        EVENTS.c.partition,
        EVENTS.c.offset,
        TABLE.c.attempts,
        TABLE.c.source_key,
        TABLE.c.source_value,
        TABLE.c.source_headers,
        TABLE.c.source_timestamp_ms,
    )
    .join_from(TABLE, NOTIFICATIONS, TABLE.c.notification_id == NOTIFICATIONS.c.id)
    .join(EVENTS, EVENTS.c.event_id == TABLE.c.event_id)
    .where(
        TABLE.c.status == DeliveryStatus.PENDING.value,
        TABLE.c.next_attempt_at <= bindparam("now"),
    )
    .order_by(TABLE.c.next_attempt_at)
    .limit(1)
    .with_for_update(of=TABLE, skip_locked=True)
)
REQUEUE_FAILED = (
    TABLE.update()
    .where(
        TABLE.c.event_id.in_(bindparam("keys", expanding=True)),
        TABLE.c.status == DeliveryStatus.FAILED.value,
    )
    .values(
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        next_attempt_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(TABLE.c.event_id)
)
# The settled e-mails that last changed before the cutoff, oldest first, along the partial index
# email_deliveries_settled (migration 0003): owed and in-flight rows are never even read. SKIP
# LOCKED: a row a dispatcher or a replay holds is left for the next run.
PRUNE_SETTLED = delete(TABLE).where(
    TABLE.c.event_id.in_(
        select(TABLE.c.event_id)
        .where(
            TABLE.c.status.in_(sorted(status.value for status in SETTLED)),
            TABLE.c.updated_at < bindparam("before"),
        )
        .order_by(TABLE.c.updated_at)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
)
_UPDATES: dict[tuple[str, ...], Update] = {}


@dataclass(frozen=True)
class DueEmail:
    """A pending e-mail, claimed (row-locked) by the current transaction."""

    notification: Notification
    attempts: int  # failed tries so far
    source: RawMessage


class EmailDeliveries:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, owed: Sequence[tuple[Notification, RawMessage]], now: datetime) -> None:
        """Owe the e-mail of each notification, keeping the message it came from."""
        if not owed:
            return
        self._connection.execute(
            ADD,
            [
                {
                    "event_id": notification.event_id,
                    "notification_id": notification.id,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "source_key": source.key,
                    "source_value": source.value,
                    "source_headers": _encode_headers(source.headers),
                    "source_timestamp_ms": source.timestamp_ms,
                }
                for notification, source in owed
            ],
        )

    def requeue_failed(self, event_ids: Sequence[UUID], now: datetime) -> set[UUID]:
        """Give dead-lettered e-mails a fresh set of tries (their events were replayed)."""
        if not event_ids:
            return set()
        rows = self._connection.execute(REQUEUE_FAILED, {"keys": list(event_ids), "now": now})
        return {row.event_id for row in rows}

    def claim_due(self, now: datetime) -> DueEmail | None:
        """Lock the pending e-mail due first; e-mails other transactions hold are skipped."""
        row = self._connection.execute(CLAIM_DUE, {"now": now}).mappings().first()
        if row is None:
            return None
        return DueEmail(
            notification=notification(row), attempts=row["attempts"], source=_source(row)
        )

    def mark_sending(self, event_id: UUID, recipient: str, now: datetime) -> None:
        self._set(event_id, now, status=DeliveryStatus.SENDING, recipient=recipient)

    def mark_sent(self, event_id: UUID, reply: str, now: datetime) -> None:
        self._set(
            event_id, now, status=DeliveryStatus.SENT, smtp_reply=reply[:_ERROR_MAX], sent_at=now
        )

    def retry_later(
        self, event_id: UUID, attempts: int, error: str, at: datetime, now: datetime
    ) -> None:
        self._set(
            event_id,
            now,
            status=DeliveryStatus.PENDING,
            attempts=attempts,
            last_error=error[:_ERROR_MAX],
            next_attempt_at=at,
        )

    def mark_failed(self, event_id: UUID, attempts: int, error: str, now: datetime) -> None:
        self._set(
            event_id,
            now,
            status=DeliveryStatus.FAILED,
            attempts=attempts,
            last_error=error[:_ERROR_MAX],
        )

    def mark_skipped(self, event_id: UUID, reason: str, now: datetime) -> None:
        self._set(event_id, now, status=DeliveryStatus.SKIPPED, last_error=reason[:_ERROR_MAX])

    def mark_uncertain(self, event_id: UUID, error: str, now: datetime) -> None:
        self._set(event_id, now, status=DeliveryStatus.UNCERTAIN, last_error=error[:_ERROR_MAX])

    def expire_sending(self, claimed_before: datetime, now: datetime) -> list[UUID]:
        """E-mails left `sending` by a process that died mid-handover become `uncertain`."""
        rows = self._connection.execute(
            TABLE.update()
            .where(
                TABLE.c.status == DeliveryStatus.SENDING.value,
                TABLE.c.updated_at < claimed_before,
            )
            .values(
                status=DeliveryStatus.UNCERTAIN.value,
                last_error="the process stopped while handing the message to the SMTP server",
                updated_at=now,
            )
            .returning(TABLE.c.event_id)
        ).all()
        return [row.event_id for row in rows]

    def prune_settled(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` settled e-mails whose last change (when they settled) was
        before `before`, oldest first; how many were deleted."""
        result = self._connection.execute(PRUNE_SETTLED, {"before": before, "limit": limit})
        return result.rowcount

    def _set(self, event_id: UUID, now: datetime, status: DeliveryStatus, **values: Any) -> None:
        self._connection.execute(
            _update(tuple(sorted(values))),
            {"key": event_id, "status": status.value, "updated_at": now, **values},
        )


def _update(columns: tuple[str, ...]) -> Update:
    """The UPDATE of these columns (and status, updated_at) of one e-mail, built once."""
    statement = _UPDATES.get(columns)
    if statement is None:
        statement = (
            TABLE.update()
            .where(TABLE.c.event_id == bindparam("key"))
            .values({name: bindparam(name) for name in ("status", "updated_at", *columns)})
        )
        _UPDATES[columns] = statement
    return statement


def _encode_headers(headers: tuple[tuple[str, bytes], ...]) -> list[list[str | None]]:
    return [
        [name, base64.b64encode(value).decode() if value is not None else None]
        for name, value in headers
    ]


def _source(row: Any) -> RawMessage:
    headers = tuple(
        (str(name), base64.b64decode(value) if value is not None else b"")
        for name, value in row["source_headers"]
    )
    return RawMessage(
        topic=row["topic"],
        partition=row["partition"],
        offset=row["offset"],
        key=row["source_key"],
        value=row["source_value"],
        headers=headers,
        timestamp_ms=row["source_timestamp_ms"],
    )
