"""The one place where the read API's errors become problem+json responses."""

from flask import Flask, Response

from notification_consumer.domain.errors import InvalidCursor, StoreUnavailable
from taskwire_observability.problem_api import ProblemResponses
from taskwire_observability.problems import problem

# Why each error status can happen, as the OpenAPI document tells it.
WHY = {
    400: "The body is not JSON.",
    401: "No valid bearer token (missing, expired, forged, or its session ended).",
    422: "A bad `limit`, an unknown parameter or event type, or a cursor not issued to you.",
    503: "The notifications store is unavailable for a moment; see `Retry-After`.",
}
documented = ProblemResponses(WHY)


def register_domain_errors(app: Flask) -> None:
    @app.errorhandler(InvalidCursor)
    def bad_cursor(error: InvalidCursor) -> Response:
        return problem(422, "invalid cursor", errors={"cursor": [str(error)]})

    @app.errorhandler(StoreUnavailable)
    def unavailable(_error: StoreUnavailable) -> Response:
        response = problem(503, "notifications are unavailable for a moment; try again")
        response.headers["Retry-After"] = "5"
        return response
