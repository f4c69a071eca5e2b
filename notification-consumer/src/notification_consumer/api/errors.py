"""The one place where the read API's errors become problem+json responses."""

from flask import Flask, Response

from notification_consumer.domain.errors import (
    InvalidCursor,
    InvalidStreamPosition,
    StoreUnavailable,
    TooManyStreams,
)
from taskwire_web.problem_api import ProblemResponses
from taskwire_web.problems import problem

# Why each error status can happen, as the OpenAPI document tells it.
WHY = {
    400: "The body is not JSON, or a `Last-Event-ID` that no notification stream sent.",
    401: "No valid bearer token (missing, expired, forged, or its session ended).",
    422: "A bad `limit`, an unknown parameter or event type, or a cursor not issued to you.",
    429: "You hold as many notification streams as allowed (or this instance does); see"
    " `Retry-After`.",
    503: "The notifications store is unavailable for a moment; see `Retry-After`.",
}
documented = ProblemResponses(WHY)


def register_domain_errors(app: Flask) -> None:
    @app.errorhandler(InvalidCursor)
    def bad_cursor(error: InvalidCursor) -> Response:
        return problem(422, "invalid cursor", errors={"cursor": [str(error)]})

    @app.errorhandler(InvalidStreamPosition)
    def bad_position(error: InvalidStreamPosition) -> Response:
        return problem(400, f"invalid Last-Event-ID: {error}")

    @app.errorhandler(TooManyStreams)
    def too_many_streams(error: TooManyStreams) -> Response:
        response = problem(429, str(error))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(StoreUnavailable)
    def unavailable(_error: StoreUnavailable) -> Response:
        response = problem(503, "notifications are unavailable for a moment; try again")
        response.headers["Retry-After"] = "5"
        return response
