"""The real stack around the notification worker: Kafka to feed it, its database and the mail
sink to check it, supervisord to hurt it, and real users to read their notifications."""

import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import psycopg2
import pytest
import requests
from kafka import KafkaProducer

from taskwire_testkit import Stack, User, Users

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
        self._producer = KafkaProducer(bootstrap_servers=stack.kafka, acks="all", linger_ms=5)

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


class NotificationStore:
    """Read-only looks into the worker's database, as its runtime role."""

    def __init__(self, stack: Stack) -> None:
        password = os.environ.get(
            "NOTIFICATION_CONSUMER_DB_PASSWORD", "notification-consumer-dev-only-password"
        )
        self._dsn = stack.dsn("notification_consumer", password, "notifications")

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with psycopg2.connect(self._dsn) as connection, connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        connection.close()
        return rows

    def notification_counts(self, event_ids: list[str]) -> dict[str, int]:
        rows = self.query(
            "SELECT event_id::text, count(*) FROM notifications"
            " WHERE event_id = ANY(%s::uuid[]) GROUP BY 1",
            event_ids,
        )
        return {event_id: count for event_id, count in rows}

    def delivery_statuses(self, event_ids: list[str]) -> dict[str, str]:
        rows = self.query(
            "SELECT event_id::text, status FROM email_deliveries WHERE event_id = ANY(%s::uuid[])",
            event_ids,
        )
        return dict(rows)


class Mailbox:
    """The mail sink's HTTP API, always filtered by address: other tests' mails stay."""

    def __init__(self, stack: Stack) -> None:
        self._url = f"http://{stack.host}:{stack.mail_http_port}/api/email"

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        response = requests.get(self._url, params={"to.address": address}, timeout=10)
        response.raise_for_status()
        mails: list[dict[str, Any]] = response.json()
        return mails

    def event_ids_mailed_to(self, address: str) -> list[str]:
        return [m["headers"].get("x-taskwire-event-id") for m in self.mails_to(address)]


class Supervisor:
    """supervisorctl of the native stack, for the fault tests."""

    def ctl(self, *args: str) -> str:
        # env.sh exports the paths supervisord.conf is written in terms of.
        script = (
            "source scripts/stack/env.sh && exec .venv/bin/supervisorctl"
            ' -c scripts/stack/supervisord.conf "$@"'
        )
        done = subprocess.run(
            ["bash", "-c", script, "supervisorctl", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
        return done.stdout.strip()

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
def store(stack: Stack) -> NotificationStore:
    return NotificationStore(stack)


@pytest.fixture(scope="session")
def mailbox(stack: Stack) -> Mailbox:
    return Mailbox(stack)


@pytest.fixture(scope="session")
def supervisor() -> Supervisor:
    return Supervisor()


@pytest.fixture
def reader(stack: Stack, users: Users) -> Callable[[], Reader]:
    """Makes readers, each a new user with their own token."""
    return lambda: Reader(stack, users.create("notified"))
