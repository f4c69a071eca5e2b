"""Flask guard: a view runs only for a valid bearer token (and the role it asks for)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request

from taskwire_auth.jwks import JwksCache
from taskwire_auth.principal import Principal
from taskwire_auth.revocations import RevocationFollower, RevocationList
from taskwire_auth.tokens import InvalidToken, TokenValidator
from taskwire_events.kafka_clients import KafkaClients
from taskwire_web.problems import problem

View = TypeVar("View", bound=Callable[..., Any])
_EXTENSION = "taskwire_auth"


def install_auth(app: Flask, validator: TokenValidator) -> None:
    """Make `validator` the one that `authenticated` views of this app use."""
    app.extensions[_EXTENSION] = validator


@dataclass(frozen=True)
class TokenCheck:
    """What an installed token check is made of, for an app that also needs the realm's keys
    (to check other tokens) or the revocation list (to add to it)."""

    keys: JwksCache
    revoked: RevocationList


def install_token_check(
    app: Flask, jwks_url: str, issuer: str, audience: str, kafka: KafkaClients | None
) -> TokenCheck:
    """How an API that serves resources checks its callers: access tokens validated locally
    against the realm's cached JWKS, and refused once their session ended, which every instance
    learns from the revocations topic within milliseconds (docs/identity.md). With no
    `kafka` login (the app factories' own tests) no revocation is followed."""
    revoked = RevocationList()
    if kafka is not None:
        logging.getLogger("kafka").setLevel(logging.WARNING)  # its INFO narrates each connection
        app.extensions["revocations"] = RevocationFollower(revoked, kafka).start()
    keys = JwksCache.from_url(jwks_url)
    install_auth(app, TokenValidator(keys, issuer, audience, is_revoked=revoked.is_revoked))
    return TokenCheck(keys, revoked)


def token_validator(app: Flask) -> TokenValidator:
    """The validator that `authenticated` views of `app` use, for work that outlives a request
    (an event stream asking whether its session ended)."""
    validator: TokenValidator = app.extensions[_EXTENSION]
    return validator


def current_principal() -> Principal:
    """The caller of the current request; only valid inside an authenticated view."""
    return cast(Principal, g.principal)


def authenticated(role: str | None = None) -> Callable[[View], View]:
    """Run the view only with a valid bearer token (401) whose realm roles include `role` (403)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _unauthorized("a bearer token is required", error=None)
            validator = token_validator(current_app)
            try:
                principal = validator.validate(token.strip())
            except InvalidToken as error:
                return _unauthorized(str(error), error="invalid_token")
            if role is not None and not principal.has_role(role):
                return problem(403, f"this needs the realm role '{role}'")
            g.principal = principal
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


def _unauthorized(detail: str, error: str | None) -> Response:
    response = problem(401, detail)
    challenge = 'Bearer realm="taskwire"'
    if error:
        challenge += f', error="{error}", error_description="{detail}"'
    response.headers["WWW-Authenticate"] = challenge
    return response
