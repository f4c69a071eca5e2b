"""One leadership term of the relay: stream the slot, hand each outbox insert to Kafka, and
confirm a transaction's LSN only once Kafka has acknowledged all of it and everything before."""

import logging
import time
from collections.abc import Callable
from typing import Protocol

from task_api.relay.acks import Acked, AckLedger, Delivery
from task_api.relay.pgoutput import Begin, Commit, Decoder, Insert, Message
from task_api.relay.records import OutboxRecord, outbox_record

log = logging.getLogger(__name__)

FEEDBACK_INTERVAL = 1.0  # seconds; an idle slot advances this often (see docs/events.md)
TICK_INTERVAL = 1.0  # seconds between housekeeping calls (leadership check, lag, readiness)
STALL_AFTER = 10.0  # seconds an event may wait for Kafka before the relay reports not ready
FINISH_TRANSACTION = 1.0  # seconds a stopping session waits for the rest of a transaction


class WalMessage(Protocol):
    @property
    def payload(self) -> bytes: ...


class ReplicationStream(Protocol):
    """The slot's stream (psycopg2's ReplicationCursor, started, with decode=False)."""

    def read_message(self) -> WalMessage | None: ...

    def send_feedback(self, *, write_lsn: int = 0, flush_lsn: int = 0, force: bool = False) -> None:
        """Report LSNs (they only ever move forward); `force` sends the status message now."""

    def wait(self, timeout: float) -> None:
        """Block until the stream has data or `timeout` seconds have passed."""


class Publisher(Protocol):
    """Kafka, as the relay uses it."""

    def send(self, record: OutboxRecord) -> Delivery: ...

    def flush(self, timeout: float) -> None: ...


class StreamSession:
    def __init__(
        self,
        stream: ReplicationStream,
        publisher: Publisher,
        *,
        ack_interval: float,
        max_pending: int,
        on_acked: Callable[[list[Acked[OutboxRecord]]], None],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._stream = stream
        self._publisher = publisher
        self._ack_interval = ack_interval
        self._max_pending = max_pending
        self._on_acked = on_acked
        self._clock = clock
        self._sleep = sleep
        self._ledger: AckLedger[OutboxRecord] = AckLedger()
        self._decoder = Decoder()
        self._last_feedback = clock()
        self.confirmed_lsn = 0  # the last LSN confirmed to PostgreSQL in this session
        self._in_transaction = False

    @property
    def pending(self) -> int:
        return self._ledger.pending

    def stalled(self, now: float) -> bool:
        """Kafka has kept an event waiting for longer than STALL_AFTER."""
        oldest = self._ledger.oldest_sent_at()
        return oldest is not None and now - oldest > STALL_AFTER

    def run(self, running: Callable[[], bool], tick: Callable[[], None]) -> None:
        """Relay until `running()` turns false, finishing the transaction under way (for up to
        FINISH_TRANSACTION s) so that a graceful stop confirms everything it sent; `tick` runs
        about every TICK_INTERVAL."""
        clock, stream = self._clock, self._stream
        next_ack = next_tick = clock()
        stop_by = None
        while True:
            if stop_by is None and not running():
                stop_by = clock() + FINISH_TRANSACTION
            if stop_by is not None and (not self._in_transaction or clock() >= stop_by):
                return
            backpressure = self._ledger.pending >= self._max_pending
            message = None if backpressure else stream.read_message()
            if message is not None:
                self.handle(self._decoder.decode(bytes(message.payload)))
            now = clock()
            if now >= next_ack:
                self.acknowledge(now)
                next_ack = now + self._ack_interval
            if now >= next_tick:
                tick()
                next_tick = now + TICK_INTERVAL
            if message is None:
                if backpressure:
                    self._sleep(min(0.005, self._ack_interval))
                else:
                    stream.wait(max(0.0, min(next_ack, next_tick) - now))

    def handle(self, message: Message) -> None:
        if isinstance(message, Insert):
            record = outbox_record(message)
            self._ledger.sent(self._publisher.send(record), record, self._clock())
        elif isinstance(message, Begin):
            self._in_transaction = True
        elif isinstance(message, Commit):
            self._ledger.committed(message.end_lsn)
            self._in_transaction = False

    def acknowledge(self, now: float) -> None:
        """Collect Kafka's acks and confirm the newest fully acknowledged commit, if any."""
        acked = self._ledger.collect()
        if acked:
            self._on_acked(acked)
        lsn = self._ledger.confirmable_lsn()
        if lsn is not None and lsn > self.confirmed_lsn:
            self._stream.send_feedback(write_lsn=lsn, flush_lsn=lsn, force=True)
            self.confirmed_lsn = lsn
            self._last_feedback = now
        elif now - self._last_feedback >= FEEDBACK_INTERVAL:
            # A status message keeps the connection alive and lets psycopg2 report the
            # position of a keepalive once everything received is confirmed: an idle slot moves.
            self._stream.send_feedback(force=True)
            self._last_feedback = now

    def finish(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for Kafka, then confirm what it acknowledged."""
        try:
            self._publisher.flush(timeout)
        except Exception as error:  # a flush that times out still leaves acks to collect
            log.warning(
                "Kafka did not acknowledge everything in time", extra={"error": repr(error)}
            )
        self.acknowledge(self._clock())
