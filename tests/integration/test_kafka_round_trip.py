"""Kafka: the stack's topics exist and a record makes the round trip on task-events."""

import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from taskwire_testkit import Stack


def test_the_stack_creates_task_events_with_six_partitions_and_a_dlq(stack: Stack) -> None:
    admin = KafkaAdminClient(**stack.kafka_admin, client_id="test-admin")
    try:
        topics = {t["name"]: t for t in admin.describe_topics(["task-events", "task-events.dlq"])}
    finally:
        admin.close()
    assert len(topics["task-events"]["partitions"]) == 6
    assert topics["task-events.dlq"]["error_code"] == 0


def test_a_record_produced_to_task_events_is_consumed_back(stack: Stack) -> None:
    key = uuid.uuid4().hex.encode()
    value = b'{"probe": "%s"}' % key
    producer = KafkaProducer(**stack.kafka_admin, acks="all")
    try:
        sent = producer.send("task-events", key=key, value=value).get(timeout=15)
    finally:
        producer.close()

    consumer = KafkaConsumer(**stack.kafka_admin, enable_auto_commit=False)
    try:
        partition = TopicPartition("task-events", sent.partition)
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        records = consumer.poll(timeout_ms=10_000, max_records=1)
    finally:
        consumer.close()

    [record] = records[partition]
    assert record.key == key
    assert record.value == value
