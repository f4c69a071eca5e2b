"""The retention use case: forget processed-event records past their retention, a small
batch per transaction. Pruned ids are no longer deduplicated by their record, so the retention
must outlast every way an event can come back (docs/events.md, *Retention*)."""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from notification_consumer.db.unit_of_work import UnitOfWork
from notification_consumer.domain.retention import RetentionPolicy

log = logging.getLogger(__name__)


class ProcessedEventPruner:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        policy: RetentionPolicy,
        on_pruned: Callable[[int], None] = lambda count: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self._uow = unit_of_work
        self._policy = policy
        self._on_pruned = on_pruned
        self._now = clock
        self._sleep = sleep

    def prune(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """Delete the records older than the retention, oldest first, until none is left or
        `stopping()`; how many were deleted. The cutoff is fixed when the run starts, so a run
        ends even while events keep coming."""
        cutoff = self._policy.cutoff(self._now())
        total = 0
        while True:
            with self._uow() as uow:
                pruned = uow.events.prune(before=cutoff, limit=self._policy.batch_size)
                uow.commit()
            total += pruned
            if pruned:
                self._on_pruned(pruned)
            if not self._policy.more_after(pruned) or stopping():
                break
            self._sleep(self._policy.pause.total_seconds())
        if total:
            log.info(
                "processed-event records pruned",
                extra={"pruned": total, "processed_before": cutoff.isoformat()},
            )
        return total
