"""The notification worker process (`taskwire-notification-worker`): builds every client, runs
the Kafka consumer loop in the main thread, e-mail dispatchers and the pruning of old
processed-event records and settled e-mails beside it, serves /healthz and /readyz, and stops
cleanly on SIGTERM."""

import logging
import signal
import socket
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from types import FrameType

from flask import Flask
from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import Engine, create_engine
from werkzeug.serving import make_server

from notification_consumer.adapters.kafka import (
    DeadLetterBacklog,
    EventConsumer,
    KafkaDeadLetters,
    connect,
)
from notification_consumer.adapters.keycloak import KeycloakDirectory
from notification_consumer.adapters.smtp import SmtpMailer
from notification_consumer.db.unit_of_work import SqlUnitOfWork
from notification_consumer.domain.errors import StoreUnavailable
from notification_consumer.domain.retention import RetentionPolicy
from notification_consumer.service.emails import Dispatch, EmailDispatcher
from notification_consumer.service.events import EventHandler
from notification_consumer.service.retention import (
    ProcessedEventPruner,
    Pruner,
    SettledEmailPruner,
)
from notification_consumer.settings import SERVICE, Settings
from taskwire_observability import Check, Metrics, configure_logging, instrument
from taskwire_sql import ping

log = logging.getLogger(__name__)
STALE_LOOP_SECONDS = 30.0
SWEEP_EVERY_SECONDS = 30.0
PRUNED_METRIC = "taskwire.consumer.processed_events_pruned"
EMAILS_PRUNED_METRIC = "taskwire.consumer.email_deliveries_pruned"
DLQ_UNREPLAYED_METRIC = "taskwire.consumer.dlq_unreplayed"
DLQ_BACKLOG_EVERY_SECONDS = 15.0


def main() -> None:
    settings = Settings.from_env()
    # Checked before any client or thread exists: a bad retention stops the start.
    policy = RetentionPolicy(keep=timedelta(days=settings.processed_events_retention_days))
    configure_logging(SERVICE)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # health probes, not news
    stop = threading.Event()
    # One release per stored event wakes one idle dispatcher, not all of them.
    wake = threading.Semaphore(0)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()  # the loops look at it between two events; dispatchers within a second

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    # No pre-ping: a connection lost with the database surfaces as StoreUnavailable, which
    # every caller already waits out, and a ping per transaction would cost a round trip.
    engine = create_engine(
        settings.database_url,
        pool_size=settings.dispatchers + 2,
        connect_args={"connect_timeout": 3},
    )
    metrics = Metrics(SERVICE, settings.statsd_host, settings.statsd_port)
    metrics.start_heartbeat()
    mailers = [
        SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds)
        for _ in range(settings.dispatchers)
    ]
    directory = KeycloakDirectory(
        settings.keycloak_url,
        settings.realm,
        settings.directory_client_id,
        settings.directory_client_secret,
    )
    health = _HealthServer(settings, engine, metrics)
    health.start()

    producer: KafkaProducer | None = connect(
        lambda: KafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap,
            client_id=f"{SERVICE}-dlq",
            acks="all",
            retries=5,
        ),
        "dead-letter producer",
        stop,
    )
    consumer: KafkaConsumer | None = connect(lambda: _consumer(settings), "consumer", stop)
    if producer is None or consumer is None:
        health.stop()
        return
    dead_letters = KafkaDeadLetters(producer, settings.dlq_topic, settings.consumer_group)

    def unit_of_work() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    # Several dispatchers overlap their waits on SMTP and commits; SKIP LOCKED shares the queue.
    dispatching = [
        threading.Thread(
            target=dispatch_until_stopped,
            args=(
                EmailDispatcher(
                    unit_of_work,
                    directory,
                    mailer,
                    dead_letters,
                    sender=settings.mail_from,
                    message_domain=settings.message_domain,
                    console_url=settings.console_url,
                ),
                wake,
                stop,
            ),
            name=f"email-dispatcher-{n}",
        )
        for n, mailer in enumerate(mailers)
    ]
    for thread in dispatching:
        thread.start()
    # The series exist before the first prune.
    metrics.incr(PRUNED_METRIC, 0)
    metrics.incr(EMAILS_PRUNED_METRIC, 0)
    pruners = [
        ProcessedEventPruner(
            unit_of_work,
            policy,
            on_pruned=lambda count: metrics.incr(PRUNED_METRIC, count),
            sleep=stop.wait,  # a pause between batches ends at once on SIGTERM
        ),
        SettledEmailPruner(
            unit_of_work,
            policy,
            on_pruned=lambda count: metrics.incr(EMAILS_PRUNED_METRIC, count),
            sleep=stop.wait,
        ),
    ]
    pruning = threading.Thread(
        target=prune_until_stopped, args=(pruners, policy, stop), name="retention"
    )
    pruning.start()
    backlog = threading.Thread(
        target=report_dead_letters_until_stopped,
        args=(settings, metrics, stop),
        name="dlq-backlog",
    )
    backlog.start()
    loop = EventConsumer(
        consumer, EventHandler(unit_of_work), dead_letters, metrics, stop, on_stored=wake.release
    )
    health.loop = loop
    log.info(
        "consuming",
        extra={
            "topic": settings.topic,
            "group": settings.consumer_group,
            "instance": settings.instance_id,
        },
    )
    try:
        loop.run()
    finally:
        stop.set()
        wake.release(settings.dispatchers)
        for thread in dispatching:
            thread.join(timeout=20)
        pruning.join(timeout=10)
        backlog.join(timeout=10)
        producer.close(timeout=5)
        for mailer in mailers:
            mailer.close()
        health.stop()
        metrics.close()
        log.info("stopped")


def dispatch_until_stopped(
    dispatcher: EmailDispatcher, wake: threading.Semaphore, stop: threading.Event
) -> None:
    """Send due e-mails; when one was refused for now, pause before the next (a refusal is
    usually the server's, not the e-mail's), doubling up to 10 s."""
    pause = 0.0
    swept = float("-inf")
    while not stop.is_set():
        try:
            if time.monotonic() - swept > SWEEP_EVERY_SECONDS:
                dispatcher.expire_stale()
                swept = time.monotonic()
            result = dispatcher.deliver_next()
        except StoreUnavailable as error:
            log.warning("database unavailable; e-mails wait", extra={"error": str(error)})
            result = Dispatch.RETRY
        except Exception:
            log.exception("e-mail dispatch failed")
            result = Dispatch.RETRY
        if result is Dispatch.IDLE:
            wake.acquire(timeout=1.0)  # a stored event, or a look for retries that fell due
            pause = 0.0
        elif result is Dispatch.RETRY:
            pause = min(max(pause * 2, 0.5), 10.0)
            stop.wait(pause)
        else:
            pause = 0.0


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


def report_dead_letters_until_stopped(
    settings: Settings, metrics: Metrics, stop: threading.Event
) -> None:
    """Send the number of unreplayed dead letters every few seconds (the TaskwireDeadLetters
    alert); while Kafka cannot say, send nothing, and the gauge expires in statsd_exporter."""
    consumer: KafkaConsumer | None = connect(
        lambda: KafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap,
            group_id=settings.dlq_replay_group,
            client_id=f"{SERVICE}-dlq-backlog",
            enable_auto_commit=False,
        ),
        "dead-letter backlog",
        stop,
    )
    if consumer is None:
        return
    backlog = DeadLetterBacklog(consumer, settings.dlq_topic)
    try:
        while not stop.is_set():
            try:
                metrics.gauge(DLQ_UNREPLAYED_METRIC, backlog.unreplayed())
            except Exception as error:
                log.warning("dead-letter backlog unknown", extra={"error": repr(error)})
            stop.wait(DLQ_BACKLOG_EVERY_SECONDS)
    finally:
        consumer.close()


def _consumer(settings: Settings) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.consumer_group,
        # Static membership: a restarted instance takes its partitions back at once instead of
        # waiting out the dead one's session.
        group_instance_id=settings.instance_id,
        client_id=settings.instance_id or SERVICE,
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # a new group starts from the oldest event, losing none
        session_timeout_ms=15_000,
        heartbeat_interval_ms=3_000,
        max_poll_interval_ms=300_000,
    )
    consumer.subscribe([settings.topic])
    return consumer


class _HealthServer:
    """/healthz and /readyz on the worker's own port, in a thread of their own."""

    def __init__(self, settings: Settings, engine: Engine, metrics: Metrics) -> None:
        self.loop: EventConsumer | None = None
        directory_probe = KeycloakDirectory(
            settings.keycloak_url,
            settings.realm,
            settings.directory_client_id,
            settings.directory_client_secret,
        )
        checks: dict[str, Check] = {
            "database": lambda: ping(engine),
            "kafka": lambda: self._kafka(settings.kafka_bootstrap),
            "smtp": SmtpMailer(settings.smtp_host, settings.smtp_port).check,
            "directory": directory_probe.check,
        }
        app = Flask(__name__)
        instrument(app, metrics, checks, settings.sentry_dsn)
        self._server = make_server(settings.worker_host, settings.worker_port, app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="health", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()

    def _kafka(self, bootstrap: str) -> None:
        if self.loop is None:
            raise RuntimeError("not consuming yet")
        if time.monotonic() - self.loop.last_poll > STALE_LOOP_SECONDS:
            raise RuntimeError("the consumer loop has not polled for a while")
        host, _, port = bootstrap.split(",")[0].rpartition(":")
        socket.create_connection((host, int(port)), timeout=2).close()


if __name__ == "__main__":
    main()
