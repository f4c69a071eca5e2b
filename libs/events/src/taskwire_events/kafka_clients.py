"""Kafka client set-up, written once: every producer and consumer is built here from the one
connection setting and its principal's login, each with its own role's options, and built again
while the broker is away. Every listener of the broker wants SASL/SCRAM-SHA-512, one principal
per service with ACLs of its own (docs/operations.md, "Kafka principals and ACLs")."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from taskwire_events.backoff import Backoff
from taskwire_settings.env import optional, setting

log = logging.getLogger(__name__)
Client = TypeVar("Client")

MECHANISM = "SCRAM-SHA-512"
# No TLS yet: every listener is bound to a private network (loopback natively).
SECURITY_PROTOCOL = "SASL_PLAINTEXT"
DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


def password_variable(principal: str) -> str:
    """`notification-worker` reads NOTIFICATION_WORKER_KAFKA_PASSWORD: one variable per
    principal, so that no process needs another's secret."""
    return principal.upper().replace("-", "_") + "_KAFKA_PASSWORD"


def dev_password(principal: str) -> str:
    """The dev-only default, which settings refuse outside development; the stack's
    provisioning (scripts/stack/kafka/provision.py) gives each principal the same."""
    return f"{principal}-kafka-dev-only-password"


@dataclass(frozen=True)
class KafkaClients:
    bootstrap: str  # comma-separated host:port list
    username: str  # the principal
    password: str = field(repr=False)

    @classmethod
    def from_env(cls, principal: str) -> "KafkaClients":
        """KAFKA_BOOTSTRAP_SERVERS, and the principal's <NAME>_KAFKA_PASSWORD (and optionally
        <NAME>_KAFKA_USERNAME, where a deployment names its principals otherwise)."""
        prefix = password_variable(principal).removesuffix("_PASSWORD")
        return cls(
            bootstrap=setting("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP),
            username=optional(f"{prefix}_USERNAME") or principal,
            password=setting(password_variable(principal), dev_password(principal)),
        )

    def connection(self) -> dict[str, Any]:
        """The options every client shares (consumer, producer, admin): where the brokers are
        and how to sign in."""
        # kafka-python warns on every SASL connection over a plaintext channel. SCRAM never sends
        # the password; that the channel has no TLS yet is documented, not news for each login.
        logging.getLogger("kafka.net.sasl").setLevel(logging.ERROR)
        return {
            "bootstrap_servers": [s.strip() for s in self.bootstrap.split(",")],
            "security_protocol": SECURITY_PROTOCOL,
            "sasl_mechanism": MECHANISM,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }

    def producer(self, client_id: str, **options: Any) -> KafkaProducer:
        return KafkaProducer(client_id=client_id, **self.connection(), **options)

    def consumer(self, client_id: str, **options: Any) -> KafkaConsumer:
        return KafkaConsumer(client_id=client_id, **self.connection(), **options)


def connect(build: Callable[[], Client], what: str, stop: threading.Event) -> Client | None:
    """Build a Kafka client, retrying while the broker is away; None when stopped first."""
    backoff = Backoff.steady(1.0, 15.0)
    while not stop.is_set():
        try:
            return build()
        except KafkaError as error:
            log.warning(f"{what}: Kafka unavailable; retrying", extra={"error": repr(error)})
            stop.wait(backoff.next())
    return None
