"""Leadership on the real database: a relay that takes the lock fences off a walsender still
holding the slot. Runs its own relay process on a slot and topic of its own."""

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from kafka.admin import KafkaAdminClient, NewTopic
from psycopg2.extras import LogicalReplicationConnection

from taskwire_testkit import Stack

from .stack_control import ROOT, readiness

RELAY_DSN = "task_relay", "task-relay-dev-only-password", "tasks"
PORT = 8095


@pytest.fixture
def slot_and_topic(stack: Stack) -> Iterator[tuple[str, str]]:
    name = f"test_fence_{uuid.uuid4().hex[:8]}"
    topic = name.replace("_", "-")
    admin = KafkaAdminClient(**stack.kafka_admin, client_id="test-relay")
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    try:
        yield name, topic
    finally:
        admin.delete_topics([topic])
        admin.close()
        connection = psycopg2.connect(stack.dsn(*RELAY_DSN))
        connection.autocommit = True
        with connection.cursor() as cursor:
            deadline = time.monotonic() + 10
            while True:
                cursor.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    " WHERE slot_name = %s AND NOT active",
                    (name,),
                )
                cursor.execute(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (name,)
                )
                if cursor.fetchone() == (0,) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        connection.close()


def test_the_new_leader_terminates_a_walsender_left_holding_the_slot(
    stack: Stack, slot_and_topic: tuple[str, str], tmp_path: Path
) -> None:
    slot, topic = slot_and_topic
    stale = psycopg2.connect(stack.dsn(*RELAY_DSN), connection_factory=LogicalReplicationConnection)
    cursor = stale.cursor()
    cursor.create_replication_slot(slot, output_plugin="pgoutput")
    cursor.start_replication(
        slot_name=slot,
        decode=False,
        options={"proto_version": "1", "publication_names": "taskwire_outbox"},
    )
    env = {
        **os.environ,
        "RELAY_SLOT": slot,
        "RELAY_TOPIC": topic,
        "RELAY_PORT": str(PORT),
        "RELAY_INSTANCE": "fence-test",
        **stack.relay_as_admin(),
    }
    log = tmp_path / "relay.log"
    with log.open("w") as output:
        relay = subprocess.Popen(
            [str(ROOT / ".venv/bin/taskwire-relay")], env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 20
        while (readiness(PORT) or {}).get("role") != "leader":
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
    finally:
        relay.terminate()
        relay.wait(timeout=30)
        stale.close()

    assert "terminating the previous leader's walsender" in log.read_text()
