"""The gateway: one base URL reaching every service, with request ids and problem errors."""

import time

import pytest
import requests

from taskwire_testkit import Stack


@pytest.mark.parametrize("service", ["task-api", "user-facade", "notifications"])
def test_the_gateway_reaches_each_services_healthz(stack: Stack, service: str) -> None:
    response = requests.get(f"{stack.gateway}/healthz/{service}", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_request_id_is_minted_passed_to_the_service_and_returned(stack: Stack) -> None:
    given = requests.get(f"{stack.gateway}/tasks", headers={"X-Request-ID": "probe-1"}, timeout=5)
    assert given.headers["X-Request-ID"] == "probe-1"
    minted = requests.get(f"{stack.gateway}/tasks", timeout=5)
    assert len(minted.headers["X-Request-ID"]) >= 16


def test_an_unknown_path_is_a_404_problem_from_the_gateway(stack: Stack) -> None:
    response = requests.get(f"{stack.gateway}/nowhere", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_a_body_over_one_mib_is_refused_at_the_gateway(stack: Stack) -> None:
    response = requests.post(
        f"{stack.gateway}/auth/login", data=b"x" * (1024 * 1024 + 1), timeout=5
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"


def test_prometheus_scrapes_the_services_metrics_through_statsd_exporter(stack: Stack) -> None:
    # A fresh stack needs one heartbeat and one scrape interval before the series exists.
    deadline = time.monotonic() + 45
    while True:
        response = requests.get(
            f"http://{stack.host}:{stack.prometheus_port}/api/v1/query",
            params={"query": 'taskwire_heartbeat_total{service="task-api"}'},
            timeout=5,
        )
        result = response.json()["data"]["result"]
        if result or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert result, "no heartbeat from task-api reached Prometheus within 45 s"
