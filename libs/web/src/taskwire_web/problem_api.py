"""problem+json for the errors flask-smorest answers itself, and for the OpenAPI document."""

import http
from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
from flask import Response
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import fields
from werkzeug.exceptions import HTTPException

from taskwire_web.problems import MEDIA_TYPE, problem


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "Per-field messages (422 only)."})


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

    def _register_responses(self) -> None:
        """flask-smorest's shared responses (the 422 of `@blp.arguments`, `default`), declared
        as problem+json, which is what `handle_http_exception` sends, not `application/json`."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


class ProblemResponses:
    """Documents the problem+json answers a view can give besides its success, each with the
    service's reason for it: `documented = ProblemResponses(WHY)`, then
    `@documented(blp, 401, 404)` on the view; `why=` words a status for that view alone, and
    `headers` names the headers a status comes with (`Retry-After`)."""

    def __init__(
        self, why: Mapping[int, str], headers: Mapping[int, Mapping[str, Any]] | None = None
    ) -> None:
        self._why = dict(why)
        self._headers = dict(headers or {})

    def __call__(
        self, blp: Blueprint, *statuses: int, why: Mapping[int, str] | None = None
    ) -> Callable[[Callable[..., Any]], Any]:
        reasons = self._why | dict(why or {})

        def decorate(view: Callable[..., Any]) -> Any:
            for status in statuses:
                view = blp.alt_response(
                    status,
                    schema=ProblemSchema,
                    content_type=MEDIA_TYPE,
                    description=reasons[status],
                    headers=self._headers.get(status),
                )(view)
            return view

        return decorate


def _detail(error: HTTPException, data: dict[str, Any]) -> str:
    if error.code == 422:
        return "the request is not valid; see `errors`"
    return str(data.get("message") or error.description or "")


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for location, by_field in messages.items():
        if isinstance(by_field, dict):
            flat.update(by_field)
        else:
            flat[location] = by_field
    return flat
