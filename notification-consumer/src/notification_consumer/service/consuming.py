"""The consumer loop (contract §4's delivery rules): poll a batch, handle its events a batch
at a time, fall back to one event per transaction when the batch fails, retry a failing event
a bounded number of times, dead-letter poison and what keeps failing, and commit only past
messages whose effects are durable; a database or dead-letter outage stalls the batch instead.

An offset is committed only after every message before it has had its effects made durable:
its notification stored (or found stored), or the message acknowledged by the dead-letter
topic. A crash therefore redelivers, and the event id makes a redelivery a no-op.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from notification_consumer.domain.errors import (
    DeadLetterUnavailable,
    PoisonMessage,
    StoreUnavailable,
)
from notification_consumer.domain.events import TaskEvent, parse_event
from notification_consumer.service.events import EventHandler, Outcome
from notification_consumer.service.ports import DeadLetters, EventSource
from taskwire_events import Backoff, RawMessage
from taskwire_observability import Metrics

log = logging.getLogger(__name__)

LAG_EVERY_SECONDS = 5.0


class EventConsumer:
    """The worker's main loop over an `EventSource`. Stops between two messages on `stop`."""

    def __init__(
        self,
        source: EventSource,
        handler: EventHandler,
        dead_letters: DeadLetters,
        metrics: Metrics,
        stop: threading.Event,
        on_stored: Callable[[], None] = lambda: None,
        handle_attempts: int = 3,
    ) -> None:
        self._source = source
        self._handler = handler
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._stop = stop
        self._on_stored = on_stored
        self._attempts = handle_attempts
        self._lag_reported = 0.0
        self.last_poll = float("-inf")  # monotonic; readiness tells a stuck loop from an idle one

    def run(self) -> None:
        stalled_for = Backoff.steady(0.5, 10.0)
        while not self._stop.is_set():
            batch = self._source.poll()
            self.last_poll = time.monotonic()
            stalled = False
            if batch and not self._stop.is_set():
                if self._process(batch):
                    self._source.commit(batch)
                else:
                    self._source.rewind(batch)
                    stalled = True
            self._report_lag()
            if stalled:
                self._stop.wait(stalled_for.next())
            else:
                stalled_for.reset()
        self._source.close()

    def _process(self, batch: Sequence[RawMessage]) -> bool:
        """Handle a polled batch; False when it must be tried again (nothing to commit)."""
        valid: list[tuple[TaskEvent, RawMessage]] = []
        poison: list[tuple[RawMessage, PoisonMessage]] = []
        for message in batch:
            try:
                valid.append((parse_event(message.value), message))
            except PoisonMessage as error:
                poison.append((message, error))
        try:
            self._handle_all(valid)
            # Poison after the events: a database outage must not dead-letter it twice.
            for message, reason in poison:
                log.error(
                    "poison message: dead-lettered",
                    extra={"error": str(reason), **_where(message)},
                )
                self._dead_letter(message, reason, "parse")
        except (StoreUnavailable, DeadLetterUnavailable) as error:
            # Not the messages' fault: keep them all, and try again after a pause; whatever
            # was stored meanwhile comes back as a duplicate.
            log.warning("a dependency is unavailable; the batch waits", extra={"error": str(error)})
            return False
        return True

    def _handle_all(self, batch: list[tuple[TaskEvent, RawMessage]]) -> None:
        if not batch:
            return
        try:
            outcomes = self._handler.handle_events(batch)
        except StoreUnavailable:
            raise
        except Exception as error:
            # Something in the batch is wrong: find it, one event per transaction.
            log.warning(
                "batch failed; handling its events one by one", extra={"error": repr(error)}
            )
            for event, message in batch:
                self._handle_alone(event, message)
            return
        for event, message in batch:
            self._handled(event, message, outcomes[event.id])

    def _handle_alone(self, event: TaskEvent, message: RawMessage) -> None:
        fields = _fields(event, message)
        retry_in = Backoff.steady(0.4, 10.0)
        for attempt in range(1, self._attempts + 1):
            try:
                outcome = self._handler.handle_event(event, message)
                break
            except StoreUnavailable:
                raise
            except Exception as error:
                if attempt == self._attempts:
                    log.exception("event failed after retries: dead-lettered", extra=fields)
                    self._dead_letter(message, error, "handle")
                    return
                log.warning("event failed; retrying", extra={**fields, "error": repr(error)})
                self._stop.wait(retry_in.next())
        self._handled(event, message, outcome)

    def _handled(self, event: TaskEvent, message: RawMessage, outcome: Outcome) -> None:
        if outcome is Outcome.STORED:
            latency = datetime.now(UTC) - event.time
            self._metrics.timing("taskwire.notification.latency", latency.total_seconds() * 1000)
            self._metrics.incr("taskwire.consumer.events", type=event.type.value)
        if outcome is not Outcome.DUPLICATE:
            self._on_stored()
        log.info("event handled", extra={**_fields(event, message), "outcome": outcome.value})

    def _dead_letter(self, message: RawMessage, error: BaseException, stage: str) -> None:
        self._dead_letters.publish(message, error, stage)
        self._metrics.incr("taskwire.consumer.dlq")

    def _report_lag(self) -> None:
        now = time.monotonic()
        if now - self._lag_reported < LAG_EVERY_SECONDS:
            return
        self._lag_reported = now
        # Re-announced with each report, so the dead-letter counter exists before the first dead
        # letter and again soon after statsd_exporter restarts (it keeps counters in memory).
        self._metrics.incr("taskwire.consumer.dlq", 0)
        for partition, lag in self._source.lag().items():
            self._metrics.gauge("taskwire.consumer.lag", lag, partition=partition)


def _where(message: RawMessage) -> dict[str, object]:
    return {"partition": message.partition, "offset": message.offset}


def _fields(event: TaskEvent, message: RawMessage) -> dict[str, object]:
    fields = {"event_id": str(event.id), "event_type": event.type.value, **_where(message)}
    if event.request_id:
        fields["request_id"] = event.request_id  # follows the change into this log line
    return fields
