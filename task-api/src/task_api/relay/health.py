"""The relay's `/healthz` and `/readyz`, served beside the relay loop the way every process is.

Readiness is a lease: the relay loop renews it while it is healthy (a standby each time it
polls for the lock, the leader while its stream runs and Kafka keeps acknowledging), so a
stuck loop turns not-ready by itself."""

import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.serving import BaseWSGIServer

from taskwire_web import serve_health
from taskwire_web.problems import problem


class Status:
    """What the relay is doing, shared between the relay loop and the HTTP server."""

    def __init__(self, instance: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._instance = instance
        self._role = "starting"
        self._problem: str | None = "starting"
        self._until = 0.0
        self._details: dict[str, Any] = {}

    def healthy(self, role: str, ttl: float, **details: Any) -> None:
        with self._lock:
            self._role, self._problem, self._details = role, None, details
            self._until = self._clock() + ttl

    def unhealthy(self, role: str, problem: str) -> None:
        with self._lock:
            self._role, self._problem, self._details = role, problem, {}
            self._until = 0.0

    @property
    def role(self) -> str:
        return self._role

    def report(self) -> tuple[bool, dict[str, Any]]:
        with self._lock:
            ready = self._problem is None and self._clock() < self._until
            body: dict[str, Any] = {"role": self._role, "instance": self._instance}
            if ready:
                return True, {"status": "ready", **body, **self._details}
            problem = self._problem or "the relay loop has not reported in time"
            return False, body | {"problem": problem}


def start_health_server(host: str, port: int, status: Status) -> BaseWSGIServer:
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", role=status.role)

    @app.get("/readyz")
    def readyz() -> Response:
        ready, body = status.report()
        if ready:
            return jsonify(body)
        detail = f"{body['role']}: {body.pop('problem')}"
        return problem(HTTPStatus.SERVICE_UNAVAILABLE.value, detail, **body)

    @app.errorhandler(HTTPStatus.NOT_FOUND)
    def not_found(_error: Exception) -> Response:
        return problem(HTTPStatus.NOT_FOUND.value, "the relay serves /healthz and /readyz")

    return serve_health(app, host, port)
