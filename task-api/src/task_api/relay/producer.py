"""The relay's Kafka producer: durable (acks=all), idempotent, and in order per partition."""

import logging

from kafka.errors import KafkaError

from task_api.relay.acks import Delivery
from task_api.relay.records import OutboxRecord
from taskwire_events.kafka_clients import KafkaClients

log = logging.getLogger(__name__)


class KafkaPublisher:
    def __init__(self, clients: KafkaClients, topic: str, client_id: str) -> None:
        self._topic = topic
        self._producer = clients.producer(
            client_id,
            acks="all",
            enable_idempotence=True,  # explicit: a conflicting setting raises instead of
            # silently turning idempotence off
            # One request in flight per broker connection: a retried batch can never be
            # overtaken by a later batch of the same partition, even if the producer's
            # sequence state is lost (idempotence alone only promises that up to 5).
            max_in_flight_requests_per_connection=1,
            linger_ms=5,
            batch_size=256 * 1024,
            bootstrap_timeout_ms=5_000,
            max_block_ms=10_000,  # send() waits this long for metadata before failing
            request_timeout_ms=10_000,
            delivery_timeout_ms=120_000,  # Kafka may be away this long before an event fails
            retry_backoff_ms=100,
            reconnect_backoff_ms=50,
            reconnect_backoff_max_ms=1_000,  # back within a second once Kafka returns
            allow_auto_create_topics=False,  # topics are provisioned (scripts/stack/kafka.sh)
            metrics_enabled=False,  # the relay reports its own metrics; these cost CPU per record
        )

        # Fetch the topic's partitions now: a missing topic fails the session at once, and the
        # first event does not wait for metadata.
        if not self._producer.partitions_for(topic):
            raise KafkaError(f"topic {topic} has no partitions")

    def send(self, record: OutboxRecord) -> Delivery:
        delivery: Delivery = self._producer.send(
            self._topic, value=record.value, key=record.key, headers=record.headers
        )
        return delivery

    def flush(self, timeout: float) -> None:
        self._producer.flush(timeout)

    def close(self, timeout: float) -> None:
        """Close, waiting up to `timeout` s; what Kafka has not acknowledged by then is dropped
        (the next session streams it again from the slot)."""
        try:
            self._producer.close(timeout)
            return
        except KafkaError as error:
            log.info(
                "closing the producer with events unacknowledged", extra={"error": repr(error)}
            )
        # kafka-python's close() gives up without stopping its I/O thread when the flush times
        # out. Left alive, that thread would deliver the dropped batches later, possibly behind
        # the next session's copies of the same events: stop it for good.
        sender = self._producer._sender
        sender.force_close()
        sender.join(5)
        self._producer.close(0)
