"""Kafka client set-up, written once: every producer and consumer of the event pipeline is
built here from the one connection setting, each with its own role's options, and built again
while the broker is away."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from taskwire_events.backoff import Backoff

log = logging.getLogger(__name__)
Client = TypeVar("Client")


@dataclass(frozen=True)
class KafkaClients:
    bootstrap: str  # comma-separated host:port list

    def connection(self) -> dict[str, Any]:
        """The options every client shares: where the brokers are (and, later, how to sign in)."""
        return {"bootstrap_servers": self.bootstrap.split(",")}

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
