"""The outbox on the real database: an event per committed change, none for a failed one."""

import json
import select
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg2
import pytest
from psycopg2.extras import LogicalReplicationConnection, ReplicationCursor
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import IntegrityError

from task_api.db.unit_of_work import SqlUnitOfWork
from task_api.domain.errors import InvalidCursor
from task_api.domain.events import task_event
from task_api.domain.tasks import Task
from task_api.relay.pgoutput import Commit, Decoder, Insert
from task_api.service.tasks import TaskService
from taskwire_events import EventType
from taskwire_sql import CursorCodec, uuid7
from taskwire_testkit import Stack

API_URL = "postgresql+psycopg2://task_api:task-api-dev-only-password@{host}:{port}/tasks"


class WalEvents:
    """Reads the outbox events that committed transactions put in the WAL."""

    def __init__(self, cursor: ReplicationCursor) -> None:
        self._cursor = cursor
        self._decoder = Decoder()

    def until_quiet(self, quiet_seconds: float = 1.0) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        last = time.monotonic()
        while time.monotonic() - last < quiet_seconds:
            message = self._cursor.read_message()
            if message is None:
                select.select([self._cursor], [], [], 0.2)
                continue
            last = time.monotonic()
            decoded = self._decoder.decode(bytes(message.payload))
            if isinstance(decoded, Insert) and decoded.values["payload"]:
                events.append(json.loads(decoded.values["payload"]))
            if isinstance(decoded, Commit):
                message.cursor.send_feedback(flush_lsn=decoded.end_lsn)
        return events


@pytest.fixture
def wal(stack: Stack) -> Iterator[WalEvents]:
    connection = psycopg2.connect(
        stack.dsn("task_relay", "task-relay-dev-only-password", "tasks"),
        connection_factory=LogicalReplicationConnection,
    )
    cursor = connection.cursor()
    slot = f"test_{uuid.uuid4().hex[:12]}"
    cursor.execute(f"CREATE_REPLICATION_SLOT {slot} TEMPORARY LOGICAL pgoutput")
    cursor.start_replication(
        slot_name=slot,
        decode=False,
        options={"proto_version": "1", "publication_names": "taskwire_outbox"},
    )
    yield WalEvents(cursor)
    connection.close()


@pytest.fixture
def engine(stack: Stack) -> Iterator[Engine]:
    engine = create_engine(API_URL.format(host=stack.host, port=stack.pg_port))
    yield engine
    engine.dispose()


@pytest.fixture
def service(engine: Engine) -> TaskService:
    return TaskService(lambda: SqlUnitOfWork(engine), CursorCodec("test", InvalidCursor))


def _mine(events: list[dict[str, Any]], owner: uuid.UUID) -> list[dict[str, Any]]:
    return [e for e in events if e["data"]["owner_id"] == str(owner)]


def test_a_committed_change_streams_exactly_one_event_and_a_no_op_none(
    service: TaskService, wal: WalEvents
) -> None:
    owner = uuid.uuid4()
    created = service.create_task(owner, {"title": "streamed"})
    task_id = uuid.UUID(created.body["id"])
    service.update_task(owner, task_id, {"title": "streamed"})  # no-op
    service.complete_task(owner, task_id)
    service.complete_task(owner, task_id)  # no-op
    service.delete_task(owner, task_id)

    events = _mine(wal.until_quiet(), owner)
    assert [e["type"] for e in events] == ["task.created", "task.completed", "task.deleted"]
    assert len({e["id"] for e in events}) == 3
    assert all(e["subject"] == str(task_id) for e in events)


def test_a_change_that_fails_writes_no_event(
    service: TaskService, wal: WalEvents, engine: Engine
) -> None:
    owner = uuid.uuid4()
    existing = uuid.UUID(service.create_task(owner, {"title": "first"}).body["id"])
    clashing = TaskService(
        lambda: SqlUnitOfWork(engine), CursorCodec("test", InvalidCursor), new_id=lambda: existing
    )
    with pytest.raises(IntegrityError):
        clashing.create_task(owner, {"title": "same id"})

    def fail_after_writing_the_event() -> None:
        now = datetime.now(UTC)
        task = Task.new(id=uuid7(), owner_id=owner, now=now, title="rolled back")
        with SqlUnitOfWork(engine) as uow:
            uow.tasks.add(task)
            uow.outbox.add(task_event(uuid7(), EventType.CREATED, task, now, None), None)
            raise RuntimeError("the use case fails after writing its event")

    with pytest.raises(RuntimeError):
        fail_after_writing_the_event()

    events = _mine(wal.until_quiet(), owner)
    assert [e["data"]["title"] for e in events] == ["first"]


def test_the_outbox_table_stays_empty(service: TaskService, stack: Stack) -> None:
    service.create_task(uuid.uuid4(), {"title": "leaves no row"})
    connection = psycopg2.connect(stack.dsn("task_api", "task-api-dev-only-password", "tasks"))
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM outbox")
        assert cursor.fetchone() == (0,)
    connection.close()
