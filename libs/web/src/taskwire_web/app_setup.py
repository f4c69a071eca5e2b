"""A Flask app's set-up: request ids, access logs, metrics, problem+json errors and health."""

import logging
import time
from collections.abc import Mapping

from flask import Flask, Response, g, request

from taskwire_observability.metrics import Metrics, route_label
from taskwire_observability.request_ids import HEADER, accept_or_mint, current_request_id
from taskwire_observability.sentry import init_sentry
from taskwire_web.health import Check, health_blueprint
from taskwire_web.problems import register_problem_handlers

access_log = logging.getLogger("taskwire.access")
_QUIET_PATHS = frozenset({"/healthz", "/readyz"})


def instrument(
    app: Flask,
    metrics: Metrics,
    checks: Mapping[str, Check],
    sentry_dsn: str | None = None,
) -> None:
    """Install the cross-cutting plumbing every Taskwire service shares."""
    init_sentry(sentry_dsn, metrics.service)
    register_problem_handlers(app)
    app.register_blueprint(health_blueprint(checks))

    @app.before_request
    def start_request() -> None:
        g.request_id = accept_or_mint(request.headers.get(HEADER))
        g.request_id_token = current_request_id.set(g.request_id)
        g.started = time.perf_counter()

    @app.after_request
    def finish_request(response: Response) -> Response:
        millis = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        response.headers[HEADER] = g.get("request_id") or accept_or_mint(None)
        route = route_label(request.url_rule.rule if request.url_rule else None)
        metrics.timing(
            "taskwire.http.request",
            millis,
            route=route,
            method=request.method,
            status=response.status_code,
        )
        if request.path not in _QUIET_PATHS:
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(millis, 2),
                },
            )
        return response

    @app.teardown_request
    def end_request(_error: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            current_request_id.reset(token)
