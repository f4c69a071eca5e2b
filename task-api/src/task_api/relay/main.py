"""The relay process (`taskwire-relay`): wait as a standby or lead, stream, reconnect, and
stop cleanly on SIGTERM."""

import functools
import logging
import signal
import threading
import time
from types import FrameType

import psycopg2
from kafka.errors import KafkaError

from task_api.relay.acks import Acked, DeliveryFailed
from task_api.relay.election import Leadership, LeadershipLost
from task_api.relay.health import Status, start_health_server
from task_api.relay.log_lines import configure_relay_logging
from task_api.relay.pgoutput import ProtocolError
from task_api.relay.producer import KafkaPublisher
from task_api.relay.records import OutboxRecord
from task_api.relay.session import StreamSession
from task_api.relay.settings import SERVICE, RelaySettings
from task_api.relay.slot import ReplicationSlot, SlotUnusable
from taskwire_events import Backoff
from taskwire_observability import Metrics
from taskwire_observability.sentry import init_sentry

log = logging.getLogger("taskwire.relay")

SHUTDOWN_FLUSH = 10.0  # seconds SIGTERM waits for Kafka before confirming and exiting
ERROR_FLUSH = 3.0  # seconds a failed session lets Kafka finish before dropping the rest
HEALTHY_FOR = 5.0  # seconds a readiness renewal lasts


class Relay:
    def __init__(self, settings: RelaySettings, metrics: Metrics, status: Status) -> None:
        self._settings = settings
        self._metrics = metrics
        self._status = status
        self.stopping = threading.Event()

    def run(self) -> None:
        backoff = Backoff()
        while not self.stopping.is_set():
            s = self._settings
            leadership = Leadership(s.database_url, s.slot, s.instance)
            slot = ReplicationSlot(leadership, s.database_url, s.slot, s.publication)
            try:
                leadership.connect()
                if self._wait_for_leadership(leadership, slot, backoff):
                    self._lead(slot)
            except LeadershipLost as error:
                log.warning("lost the database connection", extra={"error": str(error)})
                self._status.unhealthy(self._status.role, "no database connection")
            except psycopg2.Error as error:
                log.warning("cannot reach the database", extra={"error": str(error).strip()})
                self._status.unhealthy(self._status.role, "no database connection")
            finally:
                leadership.close()
            self.stopping.wait(backoff.next())

    def _wait_for_leadership(
        self, leadership: Leadership, slot: ReplicationSlot, backoff: Backoff
    ) -> bool:
        """Poll for the lock as a standby; True once held, False when stopping."""
        next_lag = 0.0
        while not self.stopping.is_set():
            if leadership.try_acquire():
                log.info("took the leadership", extra={"slot": self._settings.slot})
                return True
            backoff.reset()
            if self._status.role != "standby":
                log.info("waiting as a standby", extra={"slot": self._settings.slot})
            self._status.healthy("standby", HEALTHY_FOR, slot=self._settings.slot)
            if time.monotonic() >= next_lag:
                self._report_lag(slot)
                next_lag = time.monotonic() + 1.0
            self.stopping.wait(self._settings.standby_poll)
        return False

    def _lead(self, slot: ReplicationSlot) -> None:
        """Run stream sessions while holding the lock; a failed session is retried with
        backoff, a lost lock connection ends the leadership."""
        backoff = Backoff()
        s = self._settings
        while not self.stopping.is_set():
            self._report_lag(slot)  # raises LeadershipLost when the lock is gone
            publisher: KafkaPublisher | None = None
            session: StreamSession | None = None
            connection = None
            flush = ERROR_FLUSH
            try:
                publisher = KafkaPublisher(s.kafka, s.topic, f"taskwire-relay-{s.instance}")
                connection, stream = slot.open_stream()
                session = StreamSession(
                    stream,
                    publisher,
                    ack_interval=s.ack_interval,
                    max_pending=s.max_pending,
                    on_acked=self._acked,
                )
                log.info("streaming", extra={"slot": s.slot, "topic": s.topic})
                session.run(
                    running=lambda: not self.stopping.is_set(),
                    tick=functools.partial(self._tick, slot, session),
                )
                session.finish(SHUTDOWN_FLUSH)
                log.info("stopped streaming", extra={"confirmed_lsn": _lsn(session.confirmed_lsn)})
                return
            except LeadershipLost:
                raise
            except (KafkaError, DeliveryFailed) as error:
                flush = 0.0  # Kafka failed an event: send nothing more from this session
                self._failed("Kafka", error)
            except psycopg2.Error as error:
                self._failed("the replication stream", error)
            except (ProtocolError, SlotUnusable) as error:
                self._failed("the slot", error)
            finally:
                if publisher is not None:
                    publisher.close(flush)
                if connection is not None:
                    connection.close()
            if session is not None and session.confirmed_lsn:
                backoff.reset()  # it made progress: this is a new failure, not the same one
            self.stopping.wait(backoff.next())

    def _tick(self, slot: ReplicationSlot, session: StreamSession) -> None:
        self._report_lag(slot)
        if session.stalled(time.monotonic()):
            self._status.unhealthy("leader", "Kafka has not acknowledged events for 10 s")
        else:
            self._status.healthy(
                "leader",
                HEALTHY_FOR,
                slot=self._settings.slot,
                pending=session.pending,
                confirmed_lsn=_lsn(session.confirmed_lsn),
            )

    def _report_lag(self, slot: ReplicationSlot) -> None:
        state = slot.state()
        if state is not None and state.lag_bytes is not None:
            self._metrics.gauge("taskwire.relay.lag_bytes", max(0, state.lag_bytes))

    def _acked(self, acked: list[Acked[OutboxRecord]]) -> None:
        self._metrics.incr("taskwire.relay.events", len(acked))
        if not self._settings.log_events:
            return
        for each in acked:
            record, metadata = each.item, each.metadata
            log.info(
                "event relayed",
                extra={
                    "request_id": record.request_id,
                    "event_id": record.event_id,
                    "type": record.event_type,
                    "task_id": record.task_id,
                    "partition": metadata.partition,
                    "offset": metadata.offset,
                },
            )

    def _failed(self, what: str, error: BaseException) -> None:
        log.error(f"{what} failed; streaming again from the last confirmed LSN", exc_info=error)
        self._status.unhealthy("leader", f"{what} failed: {error}")


def _lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def main() -> None:
    settings = RelaySettings.from_env()
    configure_relay_logging(SERVICE)
    init_sentry(settings.sentry_dsn, SERVICE)
    metrics = Metrics(SERVICE, settings.statsd_host, settings.statsd_port)
    status = Status(settings.instance)
    relay = Relay(settings, metrics, status)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        relay.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = start_health_server(settings.http_host, settings.http_port, status)
    # One series per instance and role: alerting tells a missing leader from a missing standby.
    # `relay_instance`, not `instance`, which Prometheus sets to the scraped exporter's address.
    metrics.start_heartbeat(lambda: {"relay_instance": settings.instance, "role": status.role})
    log.info("relay starting", extra={"instance": settings.instance, "slot": settings.slot})
    try:
        relay.run()
    finally:
        server.shutdown()
        metrics.close()
    log.info("relay stopped")
