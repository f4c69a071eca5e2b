"""The one place where task-api's errors become problem+json responses."""

from flask import Flask, Response

from task_api.domain.errors import (
    IdempotencyKeyReused,
    InvalidCursor,
    PreconditionFailed,
    StoreUnavailable,
    TaskNotFound,
)
from taskwire_web.problem_api import ProblemResponses
from taskwire_web.problems import problem

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
documented = ProblemResponses(WHY)


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
