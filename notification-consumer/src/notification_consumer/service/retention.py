"""The retention use cases: forget processed-event records and settled e-mails past their
retention, a small batch per transaction. Pruned ids are no longer deduplicated by their record,
so the retention must outlast every way an event can come back (docs/events.md, *Retention*)."""

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from notification_consumer.db.unit_of_work import UnitOfWork
from notification_consumer.domain.errors import StoreUnavailable
from notification_consumer.domain.retention import RetentionPolicy

log = logging.getLogger(__name__)


class Pruner(Protocol):
    """A run that prunes one kind of row; how many it deleted."""

    def prune(self, stopping: Callable[[], bool] = ...) -> int: ...


class _BatchPruner(ABC):
    """Deletes what is older than the retention, a batch per transaction, until none is left."""

    pruned_what = "rows"  # in the log line of a run

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
        """Delete the rows older than the retention, oldest first, until none is left or
        `stopping()`; how many were deleted. The cutoff is fixed when the run starts, so a run
        ends even while events keep coming."""
        cutoff = self._policy.cutoff(self._now())
        total = 0
        while True:
            with self._uow() as uow:
                pruned = self._prune_batch(uow, cutoff, self._policy.batch_size)
                uow.commit()
            total += pruned
            if pruned:
                self._on_pruned(pruned)
            if not self._policy.more_after(pruned) or stopping():
                break
            self._sleep(self._policy.pause.total_seconds())
        if total:
            log.info(
                f"{self.pruned_what} pruned",
                extra={"pruned": total, "before": cutoff.isoformat()},
            )
        return total

    @abstractmethod
    def _prune_batch(self, uow: UnitOfWork, before: datetime, limit: int) -> int:
        """Delete up to `limit` rows older than `before`, oldest first; how many."""


class ProcessedEventPruner(_BatchPruner):
    """Records of events processed before the cutoff."""

    pruned_what = "processed-event records"

    def _prune_batch(self, uow: UnitOfWork, before: datetime, limit: int) -> int:
        return uow.events.prune(before=before, limit=limit)


class SettledEmailPruner(_BatchPruner):
    """E-mails settled (sent, skipped, failed, uncertain) before the cutoff; an e-mail still
    owed or in flight is never pruned, however old."""

    pruned_what = "settled e-mails"

    def _prune_batch(self, uow: UnitOfWork, before: datetime, limit: int) -> int:
        return uow.deliveries.prune_settled(before=before, limit=limit)


def prune_until_stopped(
    pruners: Sequence[Pruner], policy: RetentionPolicy, stop: threading.Event
) -> None:
    """Run each pruner at start, then every `policy.every`; an outage or a failure only
    postpones that pruner's run (a few more hours of rows are nothing against weeks of
    retention) and never the others'."""
    while not stop.is_set():
        for pruner in pruners:
            if stop.is_set():
                break
            try:
                pruner.prune(stopping=stop.is_set)
            except StoreUnavailable as error:
                log.warning("database unavailable; pruning postponed", extra={"error": str(error)})
            except Exception:
                log.exception("pruning failed", extra={"pruner": type(pruner).__name__})
        stop.wait(policy.every.total_seconds())
