"""The reminder use case: send every `task.due_soon` event owed, one bounded batch per
transaction, each event committed together with the record that it was sent."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from task_api.db.unit_of_work import UnitOfWork
from task_api.domain.reminders import owes_reminder, reminder_event
from taskwire_sql import uuid7


@dataclass(frozen=True)
class Batch:
    claimed: int  # rows the scan locked: fewer than the batch size means nothing more is owed
    sent: int


@dataclass(frozen=True)
class Scan:
    """What one scan did: the batches it committed and the reminders they sent."""

    batches: int
    sent: int


class ReminderService:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        window: timedelta,
        batch_size: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], UUID] = uuid7,
    ) -> None:
        self._uow = unit_of_work
        self._window = window
        self._batch_size = batch_size
        self._now = clock
        self._new_id = new_id

    def send_batch(self) -> Batch:
        """Claim up to one batch of owed reminders, write their events to the outbox and record
        them as sent, all in one transaction: a crash before the commit sends none of them and
        leaves them owed, so none is lost and none doubled."""
        now = self._now()
        with self._uow() as uow:
            claimed = uow.reminders.claim(now + self._window, self._batch_size)
            owed = [state.task for state in claimed if owes_reminder(state, now, self._window)]
            for task in owed:
                uow.outbox.add(reminder_event(self._new_id(), task, now), None)
            uow.reminders.mark_sent(owed)
            uow.commit()
        return Batch(len(claimed), len(owed))

    def scan(
        self,
        running: Callable[[], bool] = lambda: True,
        batched: Callable[[Batch, float], None] = lambda batch, millis: None,
    ) -> Scan:
        """Batches until one comes back short (nothing more is owed now) or `running` turns
        false; each batch is committed before the next is claimed, then reported to `batched`
        with its duration in milliseconds."""
        batches = sent = 0
        while running():
            began = time.perf_counter()
            batch = self.send_batch()
            batched(batch, (time.perf_counter() - began) * 1000)
            batches += 1
            sent += batch.sent
            if batch.claimed < self._batch_size:
                break
        return Scan(batches, sent)
