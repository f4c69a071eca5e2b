"""Each service image runs every program of its package against the running native stack as
uid 10001, passes its own HEALTHCHECK and is ready; the containerized facade signs a real user in,
the containerized task-api creates and reads a task with that token, and the containerized
notification worker consumes the task's event and stores its notification."""

from collections.abc import Callable

import pytest
import requests

from taskwire_testkit import NotificationStore, Stack, Users, supervisorctl
from taskwire_testkit.users import PASSWORD

from .conftest import UID, Container, eventually, get, python_programs

# A deadline for the event's way (task-api's outbox, the relay, Kafka, the worker), not a
# latency check.
ARRIVAL = 90.0


@pytest.mark.parametrize("program", sorted(python_programs()))
def test_each_program_runs_in_its_image_as_uid_10001_healthy_and_ready(
    program: str, containers: Callable[[str], Container]
) -> None:
    container = containers(program)  # its HEALTHCHECK command has passed
    status = container.exec("cat", "/proc/1/status")
    [uids] = [line.split()[1:] for line in status.stdout.splitlines() if line.startswith("Uid:")]
    assert uids == [UID] * 4, status.stdout
    ready = get(f"{container.url}/readyz")
    assert ready.status_code == 200, ready.text


def test_the_healthcheck_fails_where_nothing_answers(
    containers: Callable[[str], Container],
) -> None:
    container = containers("task-api")
    assert container.exec(*container.healthcheck(port=container.port)).returncode == 0
    assert container.exec(*container.healthcheck(port=1)).returncode != 0


def test_the_facade_and_task_api_images_sign_in_create_and_read_a_task(
    containers: Callable[[str], Container], users: Users, stack: Stack
) -> None:
    facade, api = containers("user-facade"), containers("task-api")
    user = users.create("image")
    login = requests.post(
        f"{facade.url}/auth/login",
        json={"username": user.username, "password": PASSWORD},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    created = requests.post(
        f"{api.url}/tasks", json={"title": "Built in an image"}, headers=auth, timeout=30
    )
    assert created.status_code == 201, created.text
    task = created.json()
    read = get(f"{api.url}/tasks/{task['id']}", headers=auth)
    assert read.status_code == 200, read.text
    assert read.json()["title"] == "Built in an image"
    # The native stack's task-api sees the same row: one database.
    native = get(f"{stack.gateway}/tasks/{task['id']}", headers=auth)
    assert native.json() == read.json()
    assert get(f"{api.url}/tasks/{task['id']}").status_code == 401


def test_the_worker_image_consumes_a_task_event_and_stores_its_notification(
    containers: Callable[[str], Container],
    users: Users,
    stack: Stack,
    notification_store: NotificationStore,
) -> None:
    worker = containers("notification-worker")
    reader = containers("notification-api")
    assert "STOPPED" in supervisorctl("status", worker.program)  # the container is the group
    user = users.create("image-worker")
    auth = {"Authorization": f"Bearer {user.token(stack)}"}
    created = requests.post(
        f"{stack.gateway}/tasks", json={"title": "Noticed by an image"}, headers=auth, timeout=30
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]

    def stored() -> list[tuple[object, ...]]:
        return notification_store.query(
            "SELECT event_id::text FROM notifications"
            " WHERE owner_id = %s::uuid AND task_id = %s::uuid",
            user.id,
            task_id,
        )

    [(event_id,)] = eventually(stored, ARRIVAL)
    listed = get(f"{reader.url}/notifications", headers=auth)
    assert listed.status_code == 200, listed.text
    assert [item["event_id"] for item in listed.json()["items"]] == [event_id]
