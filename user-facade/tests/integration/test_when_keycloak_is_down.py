"""Keycloak stopped: the facade answers 503 with Retry-After at once (never a hang, never a 500),
while the APIs keep validating tokens from the keys they cached.

This stops the shared stack's Keycloak for ~20 s and always starts it again, even on failure;
conftest.py moves it to the end of any test session."""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskwire_testkit import Stack

from .clients import PASSWORD, Accounts, Client

STACK = Path(__file__).resolve().parents[3] / "scripts" / "stack" / "stack.sh"
PROMPT_SECONDS = 5.0  # a 503 must come at least this fast (timeouts and retries are bounded)


def _stack(*args: str, timeout: float = 240) -> None:
    subprocess.run([str(STACK), *args], check=True, timeout=timeout, capture_output=True)


@pytest.fixture
def keycloak_stopped() -> Iterator[None]:
    _stack("stop", "keycloak")
    try:
        yield
    finally:
        _stack("start", "keycloak")
        _stack("wait_ready", "keycloak")


@pytest.fixture
def signed_in(client: Client, accounts: Accounts) -> dict[str, str]:
    account = accounts.sign_up("kcdown")
    tokens = client.login(account.username)
    tokens["username"] = account.username
    # Every worker of task-api and of the facade has fetched the realm's keys by now (the
    # gateway opens a new upstream connection per request, spreading these over the workers).
    for _ in range(20):
        assert client.get("/tasks", tokens["access_token"]).status_code == 200
        assert client.get("/auth/me", tokens["access_token"]).status_code == 200
    return tokens


def _prompt_503(client: Client, path: str, body: dict[str, str]) -> None:
    started = time.monotonic()
    response = client.post(path, json=body)
    elapsed = time.monotonic() - started
    assert response.status_code == 503, (path, response.status_code, response.text)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert elapsed < PROMPT_SECONDS, (path, elapsed)


def test_without_keycloak_the_facade_says_503_and_the_apis_keep_validating(
    stack: Stack, client: Client, signed_in: dict[str, str], keycloak_stopped: None
) -> None:
    _prompt_503(client, "/auth/login", {"username": signed_in["username"], "password": PASSWORD})
    _prompt_503(
        client,
        "/auth/signup",
        {"username": "nobody-kcdown", "email": "nobody-kcdown@example.test", "password": PASSWORD},
    )
    _prompt_503(client, "/auth/refresh", {"refresh_token": signed_in["refresh_token"]})
    _prompt_503(client, "/auth/logout", {"refresh_token": signed_in["refresh_token"]})
    for _ in range(10):
        assert client.get("/tasks", signed_in["access_token"]).status_code == 200
        assert client.get("/auth/me", signed_in["access_token"]).status_code == 200
    assert client.get("/tasks", "forged.token.value").status_code == 401


def test_after_keycloak_is_back_the_facade_serves_again(client: Client, accounts: Accounts) -> None:
    account = accounts.sign_up("kcback")
    assert client.login(account.username)["token_type"] == "Bearer"
