"""PostgreSQL: the outbox publication streams an insert through a logical replication slot."""

import json
import select
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg2
import pytest
from psycopg2.extras import LogicalReplicationConnection, ReplicationCursor

from task_api.domain.events import task_event
from task_api.domain.tasks import Task
from taskwire_events import EventType
from taskwire_testkit import Stack

RELAY_PASSWORD = "task-relay-dev-only-password"
API_PASSWORD = "task-api-dev-only-password"


@pytest.fixture
def replication(stack: Stack) -> Iterator[ReplicationCursor]:
    connection = psycopg2.connect(
        stack.dsn("task_relay", RELAY_PASSWORD, "tasks"),
        connection_factory=LogicalReplicationConnection,
    )
    cursor = connection.cursor()
    slot = f"test_{uuid.uuid4().hex[:12]}"
    # A temporary slot disappears with the connection, so the test leaves nothing behind.
    cursor.execute(f"CREATE_REPLICATION_SLOT {slot} TEMPORARY LOGICAL pgoutput")
    cursor.start_replication(
        slot_name=slot,
        decode=False,
        options={"proto_version": "1", "publication_names": "taskwire_outbox"},
    )
    yield cursor
    connection.close()


def _write_outbox_event(stack: Stack, event_id: str) -> None:
    # A well-formed event of a task nobody owns, so the rest of the pipeline takes it in its
    # stride (a notification for no one, no e-mail) instead of dead-lettering a probe.
    now = datetime.now(UTC)
    task = Task.new(id=uuid.uuid4(), owner_id=uuid.uuid4(), now=now, title="stack probe")
    event = task_event(uuid.UUID(event_id), EventType.CREATED, task, now, None)
    connection = psycopg2.connect(stack.dsn("task_api", API_PASSWORD, "tasks"))
    try:
        with connection, connection.cursor() as cursor:
            payload = json.dumps(event)
            cursor.execute(
                "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)"
                " VALUES (%s, 'task', %s, 'task.created', %s)",
                (event_id, event_id, payload),
            )
            cursor.execute("DELETE FROM outbox WHERE id = %s", (event_id,))
    finally:
        connection.close()


def _messages_until_commit(cursor: ReplicationCursor, marker: bytes) -> list[bytes]:
    seen: list[bytes] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = cursor.read_message()
        if message is None:
            select.select([cursor], [], [], 0.5)
            continue
        seen.append(bytes(message.payload))
        if seen[-1][:1] == b"C" and any(marker in m for m in seen):
            return seen
    raise AssertionError(f"no committed insert carrying {marker!r} within 10 s: {seen!r}")


def test_an_outbox_insert_deleted_in_the_same_transaction_still_streams(
    stack: Stack, replication: ReplicationCursor
) -> None:
    event_id = str(uuid.uuid4())
    _write_outbox_event(stack, event_id)

    messages = _messages_until_commit(replication, event_id.encode())

    kinds = [m[:1] for m in messages]
    assert kinds[0] == b"B"
    assert b"R" in kinds  # the relation (outbox) is described before its first row
    inserts = [m for m in messages if m[:1] == b"I"]
    assert len(inserts) == 1
    assert event_id.encode() in inserts[0]
    assert b"task.created" in inserts[0]
    assert b"D" not in kinds  # the publication carries inserts only, not the delete
