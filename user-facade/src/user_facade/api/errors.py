"""The one place where user-facade's errors become problem+json responses."""

import math

from flask import Flask, Response

from taskwire_auth import InvalidToken
from taskwire_web.problems import problem
from user_facade.domain.errors import (
    EmailTaken,
    IdentityProviderUnavailable,
    InvalidCredentials,
    InvalidRefreshToken,
    SignupRejected,
    TooManyRequests,
    UsernameTaken,
)
from user_facade.service.ports import RevocationNotPublished

CHALLENGE = 'Bearer realm="taskwire"'


def register_domain_errors(app: Flask, retry_after_seconds: int) -> None:
    @app.errorhandler(UsernameTaken)
    def username_taken(_error: UsernameTaken) -> Response:
        return problem(409, "this username is already taken")

    @app.errorhandler(EmailTaken)
    def email_taken(_error: EmailTaken) -> Response:
        return problem(409, "an account with this e-mail address already exists")

    @app.errorhandler(SignupRejected)
    def rejected(error: SignupRejected) -> Response:
        return problem(422, "the request is not valid; see `errors`", errors=error.errors)

    @app.errorhandler(InvalidCredentials)
    def bad_credentials(_error: InvalidCredentials) -> Response:
        return unauthorized("invalid username or password")

    @app.errorhandler(InvalidRefreshToken)
    def bad_refresh_token(_error: InvalidRefreshToken) -> Response:
        return unauthorized("the refresh token is invalid, expired or logged out")

    @app.errorhandler(TooManyRequests)
    def too_many(error: TooManyRequests) -> Response:
        response = problem(429, "too many requests from your address; retry later")
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_seconds)))
        return response

    @app.errorhandler(IdentityProviderUnavailable)
    def provider_down(_error: IdentityProviderUnavailable) -> Response:
        response = problem(503, "the identity provider is not answering; retry later")
        response.headers["Retry-After"] = str(retry_after_seconds)
        return response

    @app.errorhandler(RevocationNotPublished)
    def not_published(_error: RevocationNotPublished) -> Response:
        response = problem(503, "the logout could not be propagated; retry later")
        response.headers["Retry-After"] = str(retry_after_seconds)
        return response

    @app.errorhandler(InvalidToken)
    def bad_logout_token(error: InvalidToken) -> Response:
        # Only the back-channel endpoint lets InvalidToken escape (the guard answers its own).
        return problem(400, f"invalid logout token: {error}")


def unauthorized(detail: str) -> Response:
    response = problem(401, detail)
    response.headers["WWW-Authenticate"] = CHALLENGE
    return response
