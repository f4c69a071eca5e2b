"""The event use case: one task event becomes one notification and one owed e-mail, in the
transaction that also records the event id, so a redelivered event changes nothing. Events are
handled a batch at a time: one commit for a batch spares a disk flush per event."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from notification_consumer.db.unit_of_work import UnitOfWork
from notification_consumer.domain.events import TaskEvent
from notification_consumer.domain.notifications import notification_for
from taskwire_events import RawMessage
from taskwire_sql import uuid7


class Outcome(StrEnum):
    STORED = "stored"  # first time: notification stored, e-mail owed
    DUPLICATE = "duplicate"  # seen before: nothing changed
    REQUEUED = "requeued"  # seen before, its e-mail had been given up: tried again (a replay)


class EventHandler:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], UUID] = uuid7,
    ) -> None:
        self._uow = unit_of_work
        self._now = clock
        self._new_id = new_id

    def handle_events(self, batch: Sequence[tuple[TaskEvent, RawMessage]]) -> dict[UUID, Outcome]:
        """Handle events in one transaction: each event's id, notification and owed e-mail are
        written together or not at all. The outcome of each event id."""
        now = self._now()
        first: dict[UUID, tuple[TaskEvent, RawMessage]] = {}
        for event, source in batch:
            first.setdefault(event.id, (event, source))  # the same id twice in one batch
        with self._uow() as uow:
            new = uow.events.record(list(first.values()), now)
            requeued = uow.deliveries.requeue_failed([i for i in first if i not in new], now)
            stored = [
                (notification_for(event, self._new_id(), now), event, source)
                for event_id, (event, source) in first.items()
                if event_id in new
            ]
            uow.notifications.add([(n, event.time) for n, event, _ in stored])
            uow.deliveries.add([(n, source) for n, _, source in stored], now)
            uow.commit()
        return {event_id: _outcome(event_id, new, requeued) for event_id in first}

    def handle_event(self, event: TaskEvent, source: RawMessage) -> Outcome:
        return self.handle_events([(event, source)])[event.id]


def _outcome(event_id: UUID, new: set[UUID], requeued: set[UUID]) -> Outcome:
    if event_id in new:
        return Outcome.STORED
    return Outcome.REQUEUED if event_id in requeued else Outcome.DUPLICATE
