"""Kafka lets in only its principals, each with its ACLs (docs/operations.md): no anonymous
client, no wrong password, and no service writes a topic that is not its own."""

import socket
import struct
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAuthorizationFailedError

from taskwire_events.kafka_clients import KafkaClients
from taskwire_testkit.stack import Stack

pytestmark = pytest.mark.integration


def _metadata_without_sasl(port: int) -> bytes:
    """A Metadata v4 request (all topics) sent before any SASL handshake; what came back."""
    client = b"anonymous-test"
    body = struct.pack(">hhih", 3, 4, 7, len(client)) + client + struct.pack(">i?", -1, False)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.settimeout(30)
        s.sendall(struct.pack(">i", len(body)) + body)
        received = b""
        while chunk := s.recv(4096):
            received += chunk
        return received


def _producer(login: KafkaClients) -> KafkaProducer:
    return KafkaProducer(
        **login.connection(),
        acks="all",
        max_block_ms=10_000,
        client_id=f"acl-test-{login.username}",
    )


def test_an_anonymous_client_gets_its_connection_closed_and_nothing_else(stack: Stack) -> None:
    assert _metadata_without_sasl(stack.kafka_port) == b""


def test_a_client_without_sasl_cannot_bootstrap(stack: Stack) -> None:
    with pytest.raises(KafkaTimeoutError):
        KafkaConsumer(bootstrap_servers=stack.kafka, bootstrap_timeout_ms=5_000).topics()


def test_a_wrong_password_is_refused_and_the_right_one_is_not(stack: Stack) -> None:
    right = stack.kafka_clients("relay")
    wrong = KafkaClients(right.bootstrap, right.username, f"not-{right.password}")
    # The broker ends the connection after the failed SCRAM exchange; the client never gets in.
    with pytest.raises(KafkaTimeoutError):
        KafkaConsumer(**wrong.connection(), bootstrap_timeout_ms=5_000).topics()

    consumer = KafkaConsumer(**right.connection(), bootstrap_timeout_ms=10_000)
    try:
        assert consumer.partitions_for_topic("task-events")
    finally:
        consumer.close()


def test_the_relay_cannot_write_revocations_but_sees_its_own_topic(stack: Stack) -> None:
    producer = _producer(stack.kafka_clients("relay"))
    try:
        assert producer.partitions_for("task-events") == set(range(6))
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send("auth.revocations", key=b"forged", value=b"{}").get(timeout=30)
    finally:
        producer.close(timeout=5)


def test_the_worker_cannot_write_task_events(stack: Stack) -> None:
    producer = _producer(stack.kafka_clients("notification-worker"))
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send("task-events", key=b"forged", value=b"{}").get(timeout=30)
    finally:
        producer.close(timeout=5)


@pytest.mark.parametrize("principal", ["task-api", "notification-api", "monitoring"])
def test_a_reader_cannot_forge_a_revocation(stack: Stack, principal: str) -> None:
    producer = _producer(stack.kafka_clients(principal))
    try:
        # Allowed to write nowhere, it does not even get a producer id (cluster authorization);
        # either refusal means no record is written.
        with pytest.raises(KafkaError, match=r"(Topic|Cluster)AuthorizationFailed"):
            producer.send("auth.revocations", key=b"forged", value=b"{}").get(timeout=30)
    finally:
        producer.close(timeout=5)


@pytest.mark.parametrize("principal", ["task-api", "notification-api", "user-facade"])
def test_a_revocation_follower_sees_no_topic_but_revocations(stack: Stack, principal: str) -> None:
    consumer = KafkaConsumer(
        **stack.kafka_clients(principal).connection(), enable_auto_commit=False
    )
    try:
        # Metadata lists only what a principal may describe: task events are invisible.
        assert consumer.topics() == {"auth.revocations"}
        revocations = TopicPartition("auth.revocations", 0)
        consumer.assign([revocations])
        consumer.seek_to_beginning(revocations)
        consumer.poll(timeout_ms=2_000)  # a fetch the broker answers (it raises otherwise)
        assert consumer.position(revocations) >= 0
    finally:
        consumer.close()


def test_monitoring_sees_groups_and_offsets_but_reads_no_event(stack: Stack) -> None:
    login = stack.kafka_clients("monitoring")
    admin = KafkaAdminClient(**login.connection(), client_id="acl-test-monitoring")
    try:
        groups = {g["group_id"] for g in admin.list_groups()}
        assert "notification-consumer" in groups
        assert "notification-consumer" in admin.list_group_offsets({"notification-consumer": None})
    finally:
        admin.close()
    consumer = KafkaConsumer(**login.connection(), enable_auto_commit=False)
    try:
        events = TopicPartition("task-events", 0)
        assert consumer.end_offsets([events])[events] >= 0
        consumer.assign([events])
        consumer.seek_to_beginning(events)
        with pytest.raises(TopicAuthorizationFailedError):
            consumer.poll(timeout_ms=10_000)
    finally:
        consumer.close()


def test_no_principal_but_admin_creates_a_topic(stack: Stack) -> None:
    topic = f"acl-test-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(
        **stack.kafka_clients("user-facade").connection(), client_id="acl-test"
    )
    try:
        with pytest.raises(Exception, match=r"(Topic|Cluster)AuthorizationFailed"):
            admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
