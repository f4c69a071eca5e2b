"""The one place where the read API's errors become problem+json responses."""

from typing import Any

from flask import Flask, Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from notification_consumer.api.schemas import ProblemSchema
from notification_consumer.domain.errors import InvalidCursor, StoreUnavailable
from taskwire_observability.problems import problem


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, answering its own errors (422 validation...) as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        data: dict[str, Any] = getattr(error, "data", None) or {}
        extensions: dict[str, Any] = {}
        messages = data.get("errors") or data.get("messages")
        if messages:
            # webargs nests messages by location ({"query": {...}}); callers want the fields.
            extensions["errors"] = _flatten_locations(messages)
        response = problem(error.code or 500, _detail(error, data), **extensions)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response


def register_domain_errors(app: Flask) -> None:
    @app.errorhandler(InvalidCursor)
    def bad_cursor(error: InvalidCursor) -> Response:
        return problem(422, "invalid cursor", errors={"cursor": [str(error)]})

    @app.errorhandler(StoreUnavailable)
    def unavailable(_error: StoreUnavailable) -> Response:
        response = problem(503, "notifications are unavailable for a moment; try again")
        response.headers["Retry-After"] = "5"
        return response


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
