"""notification-consumer's settings, read once from the environment: the read API's and the
worker's apart, so that each process is given only its own secrets (the API never sees the
worker's Keycloak client secret)."""

from dataclasses import dataclass
from typing import Any

from taskwire_events import TASK_EVENTS, TASK_EVENTS_DLQ
from taskwire_events.kafka_clients import KafkaClients
from taskwire_settings.env import optional, setting

# The worker: its heartbeat and consumer metrics say whether notifications are being made.
SERVICE = "notification-consumer"
# The read API reports (requests, heartbeat) under a name of its own, so that it can never
# hide a dead worker, nor the worker a dead API.
API_SERVICE = "notification-api"
# Kafka principals (docs/operations.md): the worker consumes events and writes dead letters,
# the read API follows revocations, the replay tool moves dead letters back.
WORKER_PRINCIPAL = "notification-worker"
API_PRINCIPAL = "notification-api"
REPLAY_PRINCIPAL = "notification-replay"
# Open notification streams one read-API process holds at most, by default.
STREAMS_MAX = 2000


def _shared() -> dict[str, Any]:
    """What both processes read: the notifications database, statsd and Sentry."""
    return {
        "database_url": setting(
            "NOTIFICATIONS_DATABASE_URL",
            "postgresql+psycopg2://notification_consumer:"
            "notification-consumer-dev-only-password@127.0.0.1:5432/notifications",
        ),
        "statsd_host": setting("STATSD_HOST", "127.0.0.1"),
        "statsd_port": int(setting("STATSD_PORT", "9125")),
        "sentry_dsn": optional("SENTRY_DSN"),
    }


@dataclass(frozen=True)
class ApiSettings:
    """The notification read API (gunicorn, `create_app`)."""

    database_url: str
    statsd_host: str
    statsd_port: int
    sentry_dsn: str | None
    # The revocation events the token check follows, as `notification-api` (None: none).
    kafka: KafkaClients | None
    issuer: str
    jwks_url: str
    audience: str
    cursor_secret: str
    # GET /notifications/stream, per process (gunicorn.conf.py sizes its connections)
    streams_per_user: int
    streams_max: int
    stream_heartbeat_seconds: float

    @classmethod
    def from_env(cls) -> "ApiSettings":
        return cls(
            **_shared(),
            kafka=KafkaClients.from_env(API_PRINCIPAL),
            issuer=setting("KEYCLOAK_ISSUER", "http://localhost:8180/realms/taskwire"),
            jwks_url=setting(
                "KEYCLOAK_JWKS_URL",
                "http://127.0.0.1:8180/realms/taskwire/protocol/openid-connect/certs",
            ),
            audience=setting("NOTIFICATIONS_AUDIENCE", "task-api"),
            cursor_secret=setting(
                "NOTIFICATIONS_CURSOR_SECRET", "notifications-cursor-dev-only-secret"
            ),
            streams_per_user=int(setting("NOTIFICATIONS_STREAMS_PER_USER", "10")),
            streams_max=int(setting("NOTIFICATIONS_STREAMS_MAX", str(STREAMS_MAX))),
            stream_heartbeat_seconds=float(setting("NOTIFICATIONS_STREAM_HEARTBEAT_SECONDS", "15")),
        )


@dataclass(frozen=True)
class WorkerSettings:
    """The notification worker (`taskwire-notification-worker`) and the dead-letter replay."""

    database_url: str
    statsd_host: str
    statsd_port: int
    sentry_dsn: str | None
    kafka: KafkaClients  # as `notification-worker`, or `notification-replay` for the replay
    topic: str
    dlq_topic: str
    consumer_group: str
    instance_id: str | None  # Kafka static membership: a restart keeps the partitions
    smtp_host: str
    smtp_port: int
    smtp_timeout_seconds: float
    mail_from: str
    message_domain: str
    # The web console's public base URL: e-mails link to `<console_url>/#/tasks/<task id>`.
    console_url: str
    keycloak_url: str
    realm: str
    directory_client_id: str
    directory_client_secret: str
    worker_host: str
    worker_port: int
    dispatchers: int  # e-mail dispatcher threads per worker
    # How long an event id stays deduplicated, and a settled e-mail kept; must outlast every way
    # an event can come back.
    processed_events_retention_days: int

    @property
    def dlq_replay_group(self) -> str:
        """The consumer group whose committed offsets say how far the dead letters were
        replayed (taskwire-notification-replay)."""
        return f"{self.consumer_group}.dlq-replay"

    @classmethod
    def from_env(cls, kafka_principal: str = WORKER_PRINCIPAL) -> "WorkerSettings":
        return cls(
            **_shared(),
            kafka=KafkaClients.from_env(kafka_principal),
            topic=setting("KAFKA_TOPIC_EVENTS", TASK_EVENTS),
            dlq_topic=setting("KAFKA_TOPIC_DLQ", TASK_EVENTS_DLQ),
            consumer_group=setting("NOTIFICATIONS_CONSUMER_GROUP", "notification-consumer"),
            instance_id=optional("NOTIFICATION_WORKER_INSTANCE_ID"),
            smtp_host=setting("SMTP_HOST", "127.0.0.1"),
            smtp_port=int(setting("SMTP_PORT", "1025")),
            smtp_timeout_seconds=float(setting("SMTP_TIMEOUT_SECONDS", "10")),
            mail_from=setting(
                "NOTIFICATIONS_MAIL_FROM", "Taskwire <notifications@taskwire.example>"
            ),
            message_domain=setting(
                "NOTIFICATIONS_MESSAGE_ID_DOMAIN", "notifications.taskwire.example"
            ),
            console_url=setting("NOTIFICATIONS_CONSOLE_URL", "http://localhost:8080"),
            keycloak_url=setting("KEYCLOAK_URL", "http://127.0.0.1:8180"),
            realm=setting("KEYCLOAK_REALM", "taskwire"),
            directory_client_id=setting(
                "KEYCLOAK_NOTIFICATIONS_CLIENT_ID", "notification-consumer"
            ),
            directory_client_secret=setting(
                "KEYCLOAK_NOTIFICATIONS_CLIENT_SECRET", "dev-only-notifications-secret"
            ),
            worker_host=setting("NOTIFICATION_WORKER_BIND_HOST", "127.0.0.1"),
            worker_port=int(setting("NOTIFICATION_WORKER_PORT", "8006")),
            dispatchers=int(setting("NOTIFICATION_WORKER_DISPATCHERS", "4")),
            processed_events_retention_days=int(
                setting("NOTIFICATIONS_PROCESSED_EVENTS_RETENTION_DAYS", "30")
            ),
        )
