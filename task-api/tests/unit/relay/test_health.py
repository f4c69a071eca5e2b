"""The relay's health endpoints: alive always, ready only while the relay loop renews it."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from task_api.relay.health import Status, start_health_server

from .fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def status(clock: FakeClock) -> Status:
    return Status("relay-1", clock)


@pytest.fixture
def base_url(status: Status) -> Iterator[str]:
    server = start_health_server("127.0.0.1", 0, status)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _get(url: str) -> tuple[int, str, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local test URL)
            return response.status, response.headers["Content-Type"], json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.load(error)


def test_a_starting_relay_is_alive_but_not_ready(base_url: str) -> None:
    assert _get(f"{base_url}/healthz")[0] == 200

    code, content_type, body = _get(f"{base_url}/readyz")
    assert code == 503
    assert content_type == "application/problem+json"
    assert body["status"] == 503
    assert body["role"] == "starting"


def test_a_standby_that_polls_is_ready_and_says_so(base_url: str, status: Status) -> None:
    status.healthy("standby", ttl=5, slot="taskwire_relay")

    code, _, body = _get(f"{base_url}/readyz")
    assert code == 200
    assert body == {
        "status": "ready",
        "role": "standby",
        "instance": "relay-1",
        "slot": "taskwire_relay",
    }


def test_readiness_lapses_when_the_relay_loop_stops_renewing_it(
    base_url: str, status: Status, clock: FakeClock
) -> None:
    status.healthy("leader", ttl=5)
    clock.now += 6

    code, _, body = _get(f"{base_url}/readyz")
    assert code == 503
    assert body["role"] == "leader"
    assert "not reported" in body["detail"]


def test_a_leader_whose_kafka_stalls_is_not_ready(base_url: str, status: Status) -> None:
    status.unhealthy("leader", "Kafka has not acknowledged events for 10 s")

    code, _, body = _get(f"{base_url}/readyz")
    assert code == 503
    assert body["detail"] == "leader: Kafka has not acknowledged events for 10 s"


def test_other_paths_are_a_problem_404(base_url: str) -> None:
    code, content_type, _ = _get(f"{base_url}/metrics")
    assert (code, content_type) == (404, "application/problem+json")
