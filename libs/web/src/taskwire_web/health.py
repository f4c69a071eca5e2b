"""`GET /healthz` (the process answers) and `GET /readyz` (its own dependencies answer)."""

import logging
from collections.abc import Callable, Mapping

from flask import Blueprint, Response, jsonify

from taskwire_web.problems import problem

# A check returns nothing when its dependency answered and raises otherwise.
Check = Callable[[], None]
log = logging.getLogger(__name__)


def health_blueprint(checks: Mapping[str, Check]) -> Blueprint:
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @blueprint.get("/readyz")
    def readyz() -> Response:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as error:  # a failed check of any kind means not ready
                log.warning("readiness check failed", extra={"check": name, "error": repr(error)})
                results[name] = "failing"
        if all(result == "ok" for result in results.values()):
            return jsonify(status="ready", checks=results)
        return problem(503, "a dependency is not answering", checks=results)

    return blueprint
