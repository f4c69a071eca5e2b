"""Idempotency keys live 24 hours: after that the key is free again and the row is gone."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, text

from task_api.db.unit_of_work import SqlUnitOfWork
from task_api.domain.errors import InvalidCursor
from task_api.service.tasks import TaskService
from taskwire_sql import CursorCodec
from taskwire_testkit import Stack


@pytest.fixture
def engine(stack: Stack) -> Iterator[Engine]:
    url = "postgresql+psycopg2://task_api:task-api-dev-only-password@{}:{}/tasks"
    engine = create_engine(url.format(stack.host, stack.pg_port))
    yield engine
    engine.dispose()


def _service(engine: Engine, now: datetime) -> TaskService:
    return TaskService(
        lambda: SqlUnitOfWork(engine), CursorCodec("test", InvalidCursor), clock=lambda: now
    )


def test_an_expired_key_is_free_again_and_expired_keys_are_dropped(engine: Engine) -> None:
    owner = uuid.uuid4()
    then = datetime.now(UTC) - timedelta(hours=25)
    _service(engine, then).create_task(owner, {"title": "first"}, idempotency_key="k1")
    _service(engine, then).create_task(owner, {"title": "other"}, idempotency_key="k2")

    again = _service(engine, datetime.now(UTC)).create_task(
        owner, {"title": "a different body"}, idempotency_key="k1"
    )

    assert not again.replayed
    assert again.body["title"] == "a different body"
    with engine.connect() as connection:
        keys = (
            connection.execute(
                text("SELECT key FROM idempotency_keys WHERE owner_id = :owner"), {"owner": owner}
            )
            .scalars()
            .all()
        )
    assert keys == ["k1"]
