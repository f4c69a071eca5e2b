"""Flask guard: a view runs only for a valid bearer token (and the role it asks for)."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, g, request

from taskwire_auth.principal import Principal
from taskwire_auth.tokens import InvalidToken, TokenValidator
from taskwire_observability.problems import problem

View = TypeVar("View", bound=Callable[..., Any])


def current_principal() -> Principal:
    """The caller of the current request; only valid inside a guarded view."""
    return cast(Principal, g.principal)


class Guard:
    def __init__(self, validator: TokenValidator) -> None:
        self._validator = validator

    def __call__(self, role: str | None = None) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            @wraps(view)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                header = request.headers.get("Authorization", "")
                scheme, _, token = header.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    return _unauthorized("a bearer token is required", error=None)
                try:
                    principal = self._validator.validate(token.strip())
                except InvalidToken as error:
                    return _unauthorized(str(error), error="invalid_token")
                if role is not None and not principal.has_role(role):
                    return problem(403, f"this needs the role '{role}'")
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
