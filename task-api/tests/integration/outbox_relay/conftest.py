"""Fixtures of the relay tests: task writes straight through task-api's use cases, and the
position of task-events before they start."""

from collections.abc import Iterator

import pytest
from kafka import TopicPartition
from sqlalchemy import Engine, create_engine

from task_api.service.tasks import TaskService
from taskwire_testkit import Stack

from .reminder_scheduler import scheduler, tasks_db
from .stack_control import relays_ready, restore_stack, wait_for
from .traffic import Written, end_offsets, recording_service

__all__ = ["scheduler", "tasks_db"]  # the reminder tests' fixtures

API_URL = "postgresql+psycopg2://task_api:task-api-dev-only-password@{host}:{port}/tasks"


@pytest.fixture
def engine(stack: Stack) -> Iterator[Engine]:
    engine = create_engine(
        API_URL.format(host=stack.host, port=stack.pg_port),
        pool_pre_ping=True,
        pool_size=4,
        connect_args={"connect_timeout": 3},
    )
    yield engine
    engine.dispose()


@pytest.fixture
def written() -> Written:
    return Written()


@pytest.fixture
def service(engine: Engine, written: Written) -> TaskService:
    return recording_service(engine, written)


@pytest.fixture
def start(stack: Stack) -> dict[TopicPartition, int]:
    """task-events' end offsets before the test writes anything."""
    wait_for("a leader and a standby relay", relays_ready, timeout=60, every=0.5)
    return end_offsets(stack)


@pytest.fixture
def healthy_afterwards() -> Iterator[None]:
    """Whatever a fault test did, PostgreSQL, Kafka and the relays are back when it ends."""
    try:
        yield
    finally:
        restore_stack()
