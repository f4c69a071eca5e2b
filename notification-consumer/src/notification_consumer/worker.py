"""The notification worker process (`taskwire-notification-worker`): the wiring. It reads
`WorkerSettings`, builds every client, hands them to the loops of the service layer (the Kafka
consumer loop in the main thread; the e-mail dispatchers, the pruning of old records and the
dead-letter backlog report beside it), serves /healthz and /readyz, and stops cleanly on
SIGTERM."""

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

from flask import Flask
from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import Engine, create_engine

from notification_consumer.adapters.kafka import (
    DeadLetterBacklog,
    KafkaDeadLetters,
    KafkaEventSource,
)
from notification_consumer.adapters.keycloak import KeycloakDirectory
from notification_consumer.adapters.smtp import SmtpMailer
from notification_consumer.db.unit_of_work import SqlUnitOfWork
from notification_consumer.domain.retention import RetentionPolicy
from notification_consumer.service.consuming import EventConsumer
from notification_consumer.service.dead_letters import report_backlog_until_stopped
from notification_consumer.service.emails import EmailDispatcher, dispatch_until_stopped
from notification_consumer.service.events import EventHandler
from notification_consumer.service.retention import (
    ProcessedEventPruner,
    Pruner,
    SettledEmailPruner,
    prune_until_stopped,
)
from notification_consumer.settings import SERVICE, WorkerSettings
from taskwire_events.kafka_clients import KafkaClients, connect
from taskwire_observability import Metrics, configure_logging
from taskwire_sql import ping
from taskwire_web import Check, instrument, serve_health

log = logging.getLogger(__name__)
STALE_LOOP_SECONDS = 30.0
PRUNED_METRIC = "taskwire.consumer.processed_events_pruned"
EMAILS_PRUNED_METRIC = "taskwire.consumer.email_deliveries_pruned"


def main() -> None:
    settings = WorkerSettings.from_env()
    # Checked before any client or thread exists: a bad retention stops the start.
    policy = RetentionPolicy(keep=timedelta(days=settings.processed_events_retention_days))
    configure_logging(SERVICE)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    stop = _stop_on_signals()
    # No pre-ping: a connection lost with the database surfaces as StoreUnavailable, which
    # every caller already waits out, and a ping per transaction would cost a round trip.
    engine = create_engine(
        settings.database_url,
        pool_size=settings.dispatchers + 2,
        connect_args={"connect_timeout": 3},
    )
    metrics = Metrics(SERVICE, settings.statsd_host, settings.statsd_port)
    metrics.start_heartbeat()
    loop: list[EventConsumer] = []  # set once consuming: readiness asks it when it last polled
    health = serve_health(
        _health_app(settings, engine, metrics, lambda: loop[0] if loop else None),
        settings.worker_host,
        settings.worker_port,
    )
    kafka = settings.kafka
    producer: KafkaProducer | None = connect(
        lambda: kafka.producer(f"{SERVICE}-dlq", acks="all", retries=5),
        "dead-letter producer",
        stop,
    )
    consumer: KafkaConsumer | None = connect(lambda: _consumer(kafka, settings), "consumer", stop)
    if producer is None or consumer is None:
        health.shutdown()
        return

    def unit_of_work() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    dead_letters = KafkaDeadLetters(producer, settings.dlq_topic, settings.consumer_group)
    # One release per stored event wakes one idle dispatcher, not all of them.
    wake = threading.Semaphore(0)
    mailers = [
        SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds)
        for _ in range(settings.dispatchers)
    ]
    threads = _dispatching(settings, unit_of_work, mailers, dead_letters, wake, stop)
    threads.append(
        threading.Thread(
            target=prune_until_stopped,
            args=(_pruners(unit_of_work, policy, metrics, stop), policy, stop),
            name="retention",
        )
    )
    threads.append(
        threading.Thread(
            target=_report_dead_letters, args=(kafka, settings, metrics, stop), name="dlq-backlog"
        )
    )
    for thread in threads:
        thread.start()
    loop.append(
        EventConsumer(
            KafkaEventSource(consumer),
            EventHandler(unit_of_work),
            dead_letters,
            metrics,
            stop,
            on_stored=wake.release,
        )
    )
    log.info(
        "consuming",
        extra={
            "topic": settings.topic,
            "group": settings.consumer_group,
            "instance": settings.instance_id,
        },
    )
    try:
        loop[0].run()
    finally:
        stop.set()
        wake.release(settings.dispatchers)
        for thread in threads:
            thread.join(timeout=20)
        producer.close(timeout=5)
        for mailer in mailers:
            mailer.close()
        health.shutdown()
        metrics.close()
        log.info("stopped")


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()  # the loops look at it between two events; dispatchers within a second

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def _dispatching(
    settings: WorkerSettings,
    unit_of_work: Callable[[], SqlUnitOfWork],
    mailers: list[SmtpMailer],
    dead_letters: KafkaDeadLetters,
    wake: threading.Semaphore,
    stop: threading.Event,
) -> list[threading.Thread]:
    """One dispatcher thread per mailer: several overlap their waits on SMTP and commits, and
    SKIP LOCKED shares the queue among them."""
    directory = _directory(settings)
    return [
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


def _pruners(
    unit_of_work: Callable[[], SqlUnitOfWork],
    policy: RetentionPolicy,
    metrics: Metrics,
    stop: threading.Event,
) -> list[Pruner]:
    # The series exist before the first prune.
    metrics.incr(PRUNED_METRIC, 0)
    metrics.incr(EMAILS_PRUNED_METRIC, 0)
    return [
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


def _consumer(kafka: KafkaClients, settings: WorkerSettings) -> KafkaConsumer:
    consumer = kafka.consumer(
        settings.instance_id or SERVICE,
        group_id=settings.consumer_group,
        # Static membership: a restarted instance takes its partitions back at once instead of
        # waiting out the dead one's session.
        group_instance_id=settings.instance_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # a new group starts from the oldest event, losing none
        session_timeout_ms=15_000,
        heartbeat_interval_ms=3_000,
        max_poll_interval_ms=300_000,
    )
    consumer.subscribe([settings.topic])
    return consumer


def _report_dead_letters(
    kafka: KafkaClients, settings: WorkerSettings, metrics: Metrics, stop: threading.Event
) -> None:
    consumer: KafkaConsumer | None = connect(
        lambda: kafka.consumer(
            f"{SERVICE}-dlq-backlog", group_id=settings.dlq_replay_group, enable_auto_commit=False
        ),
        "dead-letter backlog",
        stop,
    )
    if consumer is None:
        return
    try:
        report_backlog_until_stopped(DeadLetterBacklog(consumer, settings.dlq_topic), metrics, stop)
    finally:
        consumer.close()


def _directory(settings: WorkerSettings) -> KeycloakDirectory:
    return KeycloakDirectory(
        settings.keycloak_url,
        settings.realm,
        settings.directory_client_id,
        settings.directory_client_secret,
    )


def _health_app(
    settings: WorkerSettings,
    engine: Engine,
    metrics: Metrics,
    loop: Callable[[], EventConsumer | None],
) -> Flask:
    def kafka() -> None:
        consuming = loop()
        if consuming is None:
            raise RuntimeError("not consuming yet")
        if time.monotonic() - consuming.last_poll > STALE_LOOP_SECONDS:
            raise RuntimeError("the consumer loop has not polled for a while")
        host, _, port = settings.kafka.bootstrap.split(",")[0].rpartition(":")
        socket.create_connection((host, int(port)), timeout=2).close()

    checks: dict[str, Check] = {
        "database": lambda: ping(engine),
        "kafka": kafka,
        "smtp": SmtpMailer(settings.smtp_host, settings.smtp_port).check,
        "directory": _directory(settings).check,
    }
    app = Flask(__name__)
    instrument(app, metrics, checks, settings.sentry_dsn)
    return app


if __name__ == "__main__":
    main()
