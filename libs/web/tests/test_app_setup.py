"""The shared plumbing on a real Flask app: problems, health, request ids, metrics."""

import socket
from collections.abc import Iterator

import pytest
from flask import Flask

from taskwire_observability import Metrics
from taskwire_web import instrument


@pytest.fixture
def statsd() -> Iterator[socket.socket]:
    """A UDP socket standing in for statsd_exporter, so datagrams can be read back."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(2)
    yield receiver
    receiver.close()


@pytest.fixture
def metrics(statsd: socket.socket) -> Iterator[Metrics]:
    metrics = Metrics("svc", "127.0.0.1", statsd.getsockname()[1])
    yield metrics
    metrics.close()


def _app(metrics: Metrics, healthy: bool) -> Flask:
    app = Flask("under_test")

    def dependency() -> None:
        if not healthy:
            raise ConnectionError("refused")

    instrument(app, metrics, {"database": dependency})

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    return app


def test_healthz_answers_while_the_process_lives(metrics: Metrics) -> None:
    response = _app(metrics, healthy=False).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_200_when_every_dependency_answers(metrics: Metrics) -> None:
    response = _app(metrics, healthy=True).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_is_a_503_problem_naming_the_failing_dependency(metrics: Metrics) -> None:
    response = _app(metrics, healthy=False).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert response.json["checks"] == {"database": "failing"}


def test_an_unknown_path_is_a_404_problem(metrics: Metrics) -> None:
    response = _app(metrics, healthy=True).test_client().get("/nope")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert response.json["status"] == 404
    assert response.json["title"] == "Not Found"


def test_an_unhandled_error_is_a_500_problem_without_internals(metrics: Metrics) -> None:
    response = _app(metrics, healthy=True).test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)


def test_the_request_id_is_echoed_and_the_request_timed(
    metrics: Metrics, statsd: socket.socket
) -> None:
    client = _app(metrics, healthy=True).test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    datagram = statsd.recv(512).decode()
    assert datagram.startswith(
        "taskwire.http.request,service=svc,route=/healthz,method=GET,status=200:"
    )
