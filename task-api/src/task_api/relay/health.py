"""The relay's `/healthz` and `/readyz`: a tiny HTTP server beside the relay loop.

Readiness is a lease: the relay loop renews it while it is healthy (a standby each time it
polls for the lock, the leader while its stream runs and Kafka keeps acknowledging), so a
stuck loop turns not-ready by itself."""

import json
import logging
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"


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


def start_health_server(host: str, port: int, status: Status) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._send(HTTPStatus.OK, "application/json", {"status": "ok", "role": status.role})
            elif self.path == "/readyz":
                ready, body = status.report()
                if ready:
                    self._send(HTTPStatus.OK, "application/json", body)
                else:
                    detail = f"{body['role']}: {body.pop('problem')}"
                    self._problem(HTTPStatus.SERVICE_UNAVAILABLE, detail, body)
            else:
                self._problem(HTTPStatus.NOT_FOUND, "the relay serves /healthz and /readyz", {})

        def _problem(self, code: HTTPStatus, detail: str, extra: dict[str, Any]) -> None:
            body = {"type": "about:blank", "title": code.phrase, "status": code.value}
            self._send(code, PROBLEM, body | {"detail": detail} | extra)

        def _send(self, code: HTTPStatus, content_type: str, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # probes are not worth a line
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    log.info("health endpoints listening", extra={"host": host, "port": port})
    return server
