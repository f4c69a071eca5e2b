"""The real stack around the notification worker: Kafka to feed it, supervisord to hurt it, and
real users to read their notifications. Its database and the mail sink are read through the
testkit's `notification_store` and `mailbox` fixtures."""

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from kafka import KafkaProducer

from taskwire_testkit import Stack, User, Users, supervisorctl

ROOT = Path(__file__).resolve().parents[3]
WORKER = "notification-worker"
T = TypeVar("T")


def eventually(check: Callable[[], T | None], timeout: float, every: float = 0.1) -> T:
    """The first truthy result of `check`, or an AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s: {check}")
        time.sleep(every)


def cloud_event(
    owner_id: str,
    event_type: str = "task.created",
    *,
    title: str = "A task from the tests",
    status: str = "todo",
    event_id: str | None = None,
    task_id: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """A CloudEvent shaped like task-api's, from a test source."""
    task_id = task_id or str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "urn:taskwire:tests:notification-consumer",
        "type": event_type,
        "subject": task_id,
        "time": now,
        "datacontenttype": "application/json",
        "data": {
            "id": task_id,
            "title": title,
            "description": None,
            "status": status,
            "due_date": None,
            "completed_at": now if status == "done" else None,
            "created_at": now,
            "updated_at": now,
            "owner_id": owner_id,
        },
    }
    if request_id:
        event["requestid"] = request_id
    return event


class Events:
    """Produces to `task-events` as the relay does: key = task id, CloudEvents JSON value."""

    def __init__(self, stack: Stack) -> None:
        self._producer = KafkaProducer(**stack.kafka_admin, acks="all", linger_ms=5)

    def publish(self, event: dict[str, Any], key: bytes | None = None) -> Any:
        return self.publish_raw(
            json.dumps(event).encode(), key or event["subject"].encode(), wait=True
        )

    def publish_raw(
        self,
        value: bytes,
        key: bytes,
        headers: list[tuple[str, bytes]] | None = None,
        topic: str = "task-events",
        wait: bool = True,
    ) -> Any:
        future = self._producer.send(topic, key=key, value=value, headers=headers or [])
        return future.get(timeout=15) if wait else future

    def flush(self) -> None:
        self._producer.flush(timeout=30)

    def close(self) -> None:
        self._producer.close(timeout=10)


class Supervisor:
    """supervisorctl of the native stack, for the fault tests."""

    def ctl(self, *args: str) -> str:
        return supervisorctl(*args)

    def pid(self, program: str) -> int:
        output = self.ctl("pid", program)
        return int(output) if output.isdigit() else 0

    def ready(self, port: int) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False


class Reader:
    """A user reading their own notifications through the gateway."""

    def __init__(self, stack: Stack, user: User) -> None:
        self.user = user
        self.base = stack.gateway
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {user.token(stack)}"

    def get(self, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base}/notifications", params=params, timeout=10)

    def all(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = self.get(**params)
            assert page.status_code == 200, page.text
            items += page.json()["items"]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return items

    def find(self, event_id: str) -> dict[str, Any] | None:
        page = self.get(limit=100)
        assert page.status_code == 200, page.text
        return next((n for n in page.json()["items"] if n["event_id"] == event_id), None)


WORKER_PORT = int(os.environ.get("NOTIFICATION_WORKER_PORT", "8006"))


@pytest.fixture(scope="session")
def events(stack: Stack) -> Iterator[Events]:
    made = Events(stack)
    yield made
    made.close()


@pytest.fixture(scope="session")
def supervisor() -> Supervisor:
    return Supervisor()


@pytest.fixture
def reader(stack: Stack, users: Users) -> Callable[[], Reader]:
    """Makes readers, each a new user with their own token."""
    return lambda: Reader(stack, users.create("notified"))
