"""Driving the native stack's processes from a test: supervisorctl, kills, readiness waits."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests

from taskwire_testkit import supervisorctl

ROOT = Path(__file__).resolve().parents[4]
TASK_API_PORT = int(os.environ.get("TASK_API_PORT", "8001"))
NOTIFICATION_WORKER_PORT = int(os.environ.get("NOTIFICATION_WORKER_PORT", "8006"))
RELAYS = {
    "relay": int(os.environ.get("RELAY_PORT", "8004")),
    "relay-standby": int(os.environ.get("RELAY_STANDBY_PORT", "8005")),
}
T = TypeVar("T")


def component_ready(name: str) -> bool:
    """The stack's own readiness probe of PostgreSQL or Kafka."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "stack" / f"{name}.sh"), "ready"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return done.returncode == 0


def http_ready(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def readiness(port: int) -> dict[str, Any] | None:
    """The body of a relay's /readyz when it is ready, else None."""
    try:
        response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    body: dict[str, Any] = response.json()
    return body


def relay_report(program: str) -> dict[str, Any] | None:
    return readiness(RELAYS[program])


def leader() -> str | None:
    """The relay program that currently streams, if one does."""
    for program in RELAYS:
        report = relay_report(program)
        if report and report["role"] == "leader":
            return program
    return None


def kill(program: str) -> int:
    pid = int(supervisorctl("pid", program))
    assert pid > 0, f"{program} has no process"
    os.kill(pid, signal.SIGKILL)
    return pid


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, every: float = 0.1) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout} s")


def relays_ready() -> bool:
    reports = [relay_report(program) for program in RELAYS]
    if not all(reports):
        return False
    return sorted(r["role"] for r in reports if r) == ["leader", "standby"]


def restore_stack(timeout: float = 120) -> None:
    """Bring PostgreSQL, Kafka, both relays and task-api back, whatever a fault test left, and
    wait for the notification worker, which lives on the same PostgreSQL and Kafka."""
    supervisorctl("start", "postgres", "kafka")
    wait_for("PostgreSQL ready", lambda: component_ready("postgres"), timeout, every=0.5)
    wait_for("Kafka ready", lambda: component_ready("kafka"), timeout, every=0.5)
    supervisorctl("start", "relay", "relay-standby")
    wait_for("a leader and a standby relay", relays_ready, timeout, every=0.5)
    wait_for("task-api ready", lambda: http_ready(TASK_API_PORT), timeout, every=0.5)
    # Keycloak reports ready while its database pool still holds connections a PostgreSQL
    # restart broke; it answers 500s until they are replaced, so wait for a real token.
    wait_for("Keycloak issuing tokens", keycloak_issues_tokens, timeout, every=0.5)
    wait_for(
        "notification worker ready", lambda: http_ready(NOTIFICATION_WORKER_PORT), timeout, 0.5
    )


def keycloak_issues_tokens() -> bool:
    port = os.environ.get("KEYCLOAK_PORT", "8180")
    secret = os.environ.get("KEYCLOAK_FACADE_CLIENT_SECRET", "dev-only-facade-secret")
    try:
        response = requests.post(
            f"http://127.0.0.1:{port}/realms/taskwire/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "user-facade",
                "client_secret": secret,
            },
            timeout=5,
        )
    except requests.RequestException:
        return False
    return response.status_code == 200
