"""Publishes revoked sessions to the `auth.revocations` topic that every API instance follows."""

import logging
import threading
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from taskwire_auth import Revocation, RevocationList
from taskwire_auth.revocations import KAFKA_API_VERSION, TOPIC
from taskwire_events.kafka_clients import KafkaClients
from user_facade.service.ports import RevocationNotPublished

log = logging.getLogger(__name__)


class KafkaRevocationPublisher:
    """Implements `service.ports.RevocationPublisher`. The local list learns the revocation at
    once (this instance's own `/auth/me`); the others through Kafka. `publish` waits for the
    broker's acknowledgement at most `ack_timeout_seconds`; an unconfirmed record stays in the
    producer's buffer and is retried until `delivery_timeout_ms`."""

    def __init__(
        self,
        login: KafkaClients,
        local: RevocationList,
        topic: str = TOPIC,
        ack_timeout_seconds: float = 2.0,
    ) -> None:
        self._login = login
        self._local = local
        self._topic = topic
        self._ack_timeout = ack_timeout_seconds
        self._producer: Any = None
        self._lock = threading.Lock()

    def publish(self, revocation: Revocation) -> None:
        self._local.revoke(revocation)
        try:
            future = self._client().send(
                self._topic, key=revocation.key, value=revocation.to_json()
            )
            future.get(timeout=self._ack_timeout)
        except KafkaError as error:
            raise RevocationNotPublished(repr(error)) from error

    def _client(self) -> Any:
        # Built on first use, after gunicorn forked the worker: its I/O thread must live there.
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    **self._login.connection(),
                    api_version=KAFKA_API_VERSION,
                    acks="all",
                    linger_ms=0,
                    max_block_ms=int(self._ack_timeout * 1000),
                    request_timeout_ms=5_000,
                    delivery_timeout_ms=120_000,
                    reconnect_backoff_max_ms=2_000,
                    client_id="user-facade-revocations",
                )
            return self._producer
