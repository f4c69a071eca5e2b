"""The Keycloak adapter: recorded Keycloak answers become domain errors; a Keycloak that is down
or hangs becomes `IdentityProviderUnavailable` within the timeouts, never a hang."""

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from keycloak.exceptions import KeycloakPostError

from user_facade.adapters.keycloak import KeycloakIdentityProvider, KeycloakTimeouts
from user_facade.domain.accounts import NewAccount
from user_facade.domain.errors import (
    EmailTaken,
    IdentityProviderUnavailable,
    InvalidCredentials,
    InvalidRefreshToken,
    SignupRejected,
    UsernameTaken,
)

FAST = KeycloakTimeouts(
    connect_seconds=0.5, read_seconds=0.3, connect_retries=2, retry_backoff_seconds=0.01
)
ALICE = NewAccount("alice", "alice@example.test", "s3cret-pass", "Alice", "Liddell")


def _provider(url: str = "http://127.0.0.1:1") -> KeycloakIdentityProvider:
    return KeycloakIdentityProvider(url, "taskwire", "user-facade-login", "user-facade", "s", FAST)


class Answers:
    """Stands in for python-keycloak's client: raises the recorded error, counts calls."""

    def __init__(self, status: int, body: bytes) -> None:
        self.error = KeycloakPostError(error_message="x", response_code=status, response_body=body)
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        if name == "connection":  # raw calls: openid.connection.raw_post(...)
            return self

        def call(*_args: Any, **_kwargs: Any) -> Any:
            self.calls += 1
            raise self.error

        return call


def _answering(status: int, body: bytes) -> tuple[KeycloakIdentityProvider, Answers]:
    provider, answers = _provider(), Answers(status, body)
    provider._local.openid = answers
    provider._local.admin = answers
    return provider, answers


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (409, b'{"errorMessage":"User exists with same username"}', UsernameTaken),
        (409, b'{"errorMessage":"User exists with same email"}', EmailTaken),
        (403, b'{"error":"unknown_error"}', IdentityProviderUnavailable),
        (500, b"", IdentityProviderUnavailable),
    ],
)
def test_keycloaks_answers_to_a_signup(status: int, body: bytes, error: type[Exception]) -> None:
    provider, _ = _answering(status, body)
    with pytest.raises(error):
        provider.create_user(ALICE)


def test_the_password_policys_sentence_is_the_password_error() -> None:
    provider, _ = _answering(
        400,
        b'{"error":"invalidPasswordMinLengthMessage",'
        b'"error_description":"Invalid password: minimum length 8."}',
    )
    with pytest.raises(SignupRejected) as rejected:
        provider.create_user(ALICE)
    assert rejected.value.errors == {"password": ["Invalid password: minimum length 8."]}


def test_user_profile_errors_name_the_api_field_in_words() -> None:
    provider, _ = _answering(
        400,
        b'{"errors":[{"field":"email","errorMessage":"error-invalid-email","params":[]},'
        b'{"field":"firstName","errorMessage":"error-person-name-invalid-character"}]}',
    )
    with pytest.raises(SignupRejected) as rejected:
        provider.create_user(ALICE)
    assert rejected.value.errors == {
        "email": ["Not a valid e-mail address."],
        "first_name": ["Contains a character that a name cannot have."],
    }


@pytest.mark.parametrize(
    "description", ["Invalid user credentials", "Account disabled", "Account is not fully set up"]
)
def test_every_refused_password_grant_is_the_same_invalid_credentials(description: str) -> None:
    body = b'{"error":"invalid_grant","error_description":"%s"}' % description.encode()
    provider, _ = _answering(400, body)
    with pytest.raises(InvalidCredentials):
        provider.password_grant("alice", "wrong")


def test_a_misconfigured_client_is_not_blamed_on_the_user() -> None:
    provider, _ = _answering(401, b'{"error":"unauthorized_client"}')
    with pytest.raises(IdentityProviderUnavailable):
        provider.password_grant("alice", "s3cret-pass")


def test_a_refused_refresh_is_an_invalid_refresh_token() -> None:
    provider, _ = _answering(400, b'{"error":"invalid_grant","error_description":"Stale token"}')
    with pytest.raises(InvalidRefreshToken):
        provider.refresh("rt")


def _refresh_token(**claims: Any) -> str:
    body = {"typ": "Refresh", "sid": "sid-1", "sub": "user-1", **claims}
    return jwt.encode(body, "k" * 64, algorithm="HS512")  # a key only Keycloak knows


@pytest.mark.parametrize("token", ["garbage", _refresh_token(typ="Bearer")])
def test_logging_out_with_something_else_than_a_refresh_token_never_calls_keycloak(
    token: str,
) -> None:
    provider, answers = _answering(204, b"")
    with pytest.raises(InvalidRefreshToken):
        provider.end_session(token)
    assert answers.calls == 0


def test_a_logout_keycloak_refuses_is_an_invalid_refresh_token() -> None:
    provider, _ = _answering(
        400, b'{"error":"invalid_grant","error_description":"Invalid refresh token"}'
    )
    with pytest.raises(InvalidRefreshToken):
        provider.end_session(_refresh_token())


def test_logging_out_a_session_that_already_ended_is_an_invalid_refresh_token() -> None:
    """Keycloak's logout endpoint answers 204 for it; introspection tells."""
    provider, answers = _answering(204, b"")
    introspected: list[str] = []

    def introspect(token: str) -> dict[str, Any]:
        introspected.append(token)
        return {"active": False}

    provider._introspect = introspect  # type: ignore[method-assign]
    with pytest.raises(InvalidRefreshToken):
        provider.end_session(_refresh_token())
    assert len(introspected) == 1
    assert answers.calls == 0  # no logout call


def test_a_token_keycloak_cannot_parse_is_an_invalid_refresh_token() -> None:
    provider, _ = _answering(400, b'{"error":"invalid_request","error_description":"x"}')
    with pytest.raises(InvalidRefreshToken):
        provider.refresh(_refresh_token())


def test_a_keycloak_that_refuses_connections_is_unavailable_after_bounded_retries() -> None:
    started = time.monotonic()
    with pytest.raises(IdentityProviderUnavailable):
        _provider().password_grant("alice", "s3cret-pass")
    assert time.monotonic() - started < 2


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[int]]]:
    """Accepts connections and never answers, like a Keycloak stuck in a GC pause."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[int] = []
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    listener.close()
    for connection in held:
        connection.close()


def test_a_keycloak_that_hangs_is_unavailable_after_the_read_timeout_without_a_retry(
    silent_server: tuple[str, list[int]],
) -> None:
    url, accepted = silent_server
    started = time.monotonic()
    with pytest.raises(IdentityProviderUnavailable):
        _provider(url).password_grant("alice", "s3cret-pass")
    assert time.monotonic() - started < FAST.read_seconds + 1
    assert len(accepted) == 1  # a login may have happened: not sent twice
