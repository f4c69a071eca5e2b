"""RFC 9457 problem+json responses for every error a Flask service answers itself."""

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException, InternalServerError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


def problem(status: int, detail: str | None = None, **extensions: Any) -> Response:
    """Build a problem+json response; `type` is about:blank, so `title` is the status phrase."""
    phrase = HTTPStatus(status).phrase
    body = {"type": "about:blank", "title": phrase, "status": status, "detail": detail or phrase}
    body.update(extensions)
    return Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)


def register_problem_handlers(app: Flask) -> None:
    """Map werkzeug's HTTP errors and any unhandled exception to problem+json."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = problem(error.code or 500, error.description)
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, InternalServerError.description)
