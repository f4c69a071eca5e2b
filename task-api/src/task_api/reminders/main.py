"""The reminder scheduler process (`taskwire-reminders`): scan, pause, scan again; stop cleanly
on SIGTERM. Any number of instances may run: each batch locks its rows (SKIP LOCKED)."""

import logging
import signal
import threading
import time
from types import FrameType

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from task_api.db.unit_of_work import SqlUnitOfWork
from task_api.domain.errors import StoreUnavailable
from task_api.relay.health import Status, start_health_server
from task_api.reminders.settings import SERVICE, ReminderSettings
from task_api.service.reminders import Batch, ReminderService
from taskwire_events import Backoff
from taskwire_observability import Metrics, configure_logging
from taskwire_observability.sentry import init_sentry
from taskwire_sql import ping_when_idle
from taskwire_sql.engines import IDLE_PING_SECONDS

log = logging.getLogger("taskwire.reminders")

ROLE = "scheduler"


class Scheduler:
    def __init__(
        self,
        settings: ReminderSettings,
        service: ReminderService,
        metrics: Metrics,
        status: Status,
    ) -> None:
        self._settings = settings
        self._service = service
        self._metrics = metrics
        self._status = status
        # Ready while scans keep succeeding: a lease of a few scan intervals, renewed per batch.
        self._lease = max(10.0, 3 * settings.scan_interval.total_seconds())
        self.stopping = threading.Event()
        self._scans = 0  # completed scans, shown in /readyz

    def run(self) -> None:
        backoff = Backoff()
        interval = self._settings.scan_interval.total_seconds()
        while not self.stopping.is_set():
            try:
                scan = self._service.scan(lambda: not self.stopping.is_set(), self._batched)
            except (StoreUnavailable, DBAPIError) as error:
                log.warning("scan failed; retrying", extra={"error": str(error).strip()})
                self._status.unhealthy(ROLE, "the tasks database is not answering")
                self.stopping.wait(backoff.next())
                continue
            backoff.reset()
            self._scans += 1
            # The time of the last scan that reached the end of what is owed: the alert's input.
            self._metrics.gauge("taskwire.reminders.last_scan", time.time())
            self._status.healthy(
                ROLE, self._lease, scans=self._scans, batches=scan.batches, sent=scan.sent
            )
            if scan.sent:
                log.info("reminders sent", extra={"sent": scan.sent, "batches": scan.batches})
            self.stopping.wait(interval)

    def _batched(self, batch: Batch, millis: float) -> None:
        self._metrics.timing("taskwire.reminders.batch", millis)
        self._metrics.incr("taskwire.reminders.sent", batch.sent)
        self._status.healthy(
            ROLE, self._lease, scans=self._scans, claimed=batch.claimed, sent=batch.sent
        )


def main() -> None:
    settings = ReminderSettings.from_env()
    configure_logging(SERVICE)
    init_sentry(settings.sentry_dsn, SERVICE)
    metrics = Metrics(SERVICE, settings.statsd_host, settings.statsd_port)
    # One connection is all a scheduler uses: batches run one after another. Its name shows in
    # pg_stat_activity (the crash tests find the scheduler's backend by it).
    engine = create_engine(
        settings.database_url,
        pool_size=1,
        connect_args={"connect_timeout": 3, "application_name": f"{SERVICE}-{settings.instance}"},
    )
    ping_when_idle(engine, IDLE_PING_SECONDS)
    service = ReminderService(lambda: SqlUnitOfWork(engine), settings.window, settings.batch_size)
    status = Status(settings.instance)
    scheduler = Scheduler(settings, service, metrics, status)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        scheduler.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = start_health_server(settings.http_host, settings.http_port, status)
    metrics.start_heartbeat()
    log.info(
        "reminder scheduler starting",
        extra={
            "instance": settings.instance,
            "window_seconds": settings.window.total_seconds(),
            "scan_interval_seconds": settings.scan_interval.total_seconds(),
            "batch_size": settings.batch_size,
        },
    )
    try:
        scheduler.run()
    finally:
        server.shutdown()
        metrics.close()
        engine.dispose()
    log.info("reminder scheduler stopped")
