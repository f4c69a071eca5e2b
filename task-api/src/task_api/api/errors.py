"""The one place where task-api's errors become problem+json responses."""

from collections.abc import Callable
from typing import Any

from flask import Flask, Response
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from task_api.api.schemas import ProblemSchema
from task_api.domain.errors import (
    IdempotencyKeyReused,
    InvalidCursor,
    PreconditionFailed,
    StoreUnavailable,
    TaskNotFound,
)
from taskwire_observability.problems import problem

PROBLEM = "application/problem+json"
# Why each error status can happen, as the OpenAPI document tells it.
WHY = {
    401: "No valid bearer token (missing, expired, forged, or its session ended).",
    403: "The token lacks the realm role this needs.",
    404: "No such task: absent, deleted, or another user's.",
    412: "`If-Match` names a version that is no longer current.",
    413: "The body is larger than 1 MiB.",
    422: "The request is not valid; `errors` names each field.",
    503: "The database is unreachable for a moment; retry after `Retry-After` seconds (a create"
    " with the same `Idempotency-Key` is safe to retry).",
}


def documented(blp: Blueprint, *statuses: int) -> Callable[[Callable[..., Any]], Any]:
    """Document the problem+json answers a view can give, besides its success."""

    def decorate(view: Callable[..., Any]) -> Any:
        for status in statuses:
            view = blp.alt_response(
                status, schema=ProblemSchema, content_type=PROBLEM, description=WHY[status]
            )(view)
        return view

    return decorate


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, answering its own errors (422 validation...) as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        data: dict[str, Any] = getattr(error, "data", None) or {}
        extensions: dict[str, Any] = {}
        messages = data.get("errors") or data.get("messages")
        if messages:
            # webargs nests messages by location ({"json": {...}}); callers want the fields.
            extensions["errors"] = _flatten_locations(messages)
        response = problem(error.code or 500, _detail(error, data), **extensions)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response


def register_domain_errors(app: Flask) -> None:
    @app.errorhandler(TaskNotFound)
    def not_found(_error: TaskNotFound) -> Response:
        return problem(404, "no such task")

    @app.errorhandler(PreconditionFailed)
    def stale(_error: PreconditionFailed) -> Response:
        return problem(412, "the task changed since the ETag in If-Match; fetch it again")

    @app.errorhandler(IdempotencyKeyReused)
    def reused(_error: IdempotencyKeyReused) -> Response:
        return problem(
            422,
            "this Idempotency-Key was used with a different body",
            errors={"Idempotency-Key": ["already used with a different request body"]},
        )

    @app.errorhandler(StoreUnavailable)
    def unavailable(_error: StoreUnavailable) -> Response:
        response = problem(503, "tasks are unavailable for a moment; try again")
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(InvalidCursor)
    def bad_cursor(error: InvalidCursor) -> Response:
        return problem(422, "invalid cursor", errors={"cursor": [str(error)]})


def _detail(error: HTTPException, data: dict[str, Any]) -> str:
    if error.code == 422:
        return "the request is not valid; see `errors`"
    return str(data.get("message") or error.description or "")


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat
