"""The relay's settings, read once from the environment."""

import os
import socket
from dataclasses import dataclass

from taskwire_events import TASK_EVENTS
from taskwire_events.kafka_clients import KafkaClients
from taskwire_settings.env import optional, setting

SERVICE = "relay"


@dataclass(frozen=True)
class RelaySettings:
    database_url: str  # a role with REPLICATION (and SELECT on the outbox), the tasks database
    kafka: KafkaClients
    topic: str
    publication: str  # created by task-api's migrations
    slot: str  # created by the relay when missing
    http_host: str
    http_port: int  # /healthz and /readyz
    instance: str  # names this process in logs and in the Kafka client id
    ack_interval: float  # seconds between collecting Kafka acks and confirming LSNs
    max_pending: int  # events handed to Kafka but not yet acknowledged, at most
    standby_poll: float  # seconds between a standby's attempts to take the leadership lock
    log_events: bool  # one log line per relayed event, with its request id
    statsd_host: str
    statsd_port: int
    sentry_dsn: str | None

    @classmethod
    def from_env(cls) -> "RelaySettings":
        return cls(
            database_url=setting(
                "RELAY_DATABASE_URL",
                "postgresql://task_relay:task-relay-dev-only-password@127.0.0.1:5432/tasks",
            ),
            kafka=KafkaClients.from_env(SERVICE),
            topic=setting("RELAY_TOPIC", TASK_EVENTS),
            publication=setting("RELAY_PUBLICATION", "taskwire_outbox"),
            slot=setting("RELAY_SLOT", "taskwire_relay"),
            http_host=setting("RELAY_BIND_HOST", "127.0.0.1"),
            http_port=int(setting("RELAY_PORT", "8004")),
            instance=optional("RELAY_INSTANCE") or f"{socket.gethostname()}-{os.getpid()}",
            ack_interval=int(setting("RELAY_ACK_INTERVAL_MS", "50")) / 1000,
            max_pending=int(setting("RELAY_MAX_PENDING", "20000")),
            standby_poll=int(setting("RELAY_STANDBY_POLL_MS", "200")) / 1000,
            log_events=setting("RELAY_LOG_EVENTS", "true").lower() in {"1", "true", "yes"},
            statsd_host=setting("STATSD_HOST", "127.0.0.1"),
            statsd_port=int(setting("STATSD_PORT", "9125")),
            sentry_dsn=optional("SENTRY_DSN"),
        )
