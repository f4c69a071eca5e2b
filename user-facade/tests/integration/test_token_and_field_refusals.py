"""Bad input at the facade is the caller's 4xx, never Keycloak's outage (503), and a logout of a
session that has already ended is a 401 (contract section 2), against the real Keycloak."""

import base64
import json

import pytest

from taskwire_testkit import Stack

from .clients import PASSWORD, Accounts, Client, KeycloakAdmin, fresh_address

PROBLEM = "application/problem+json"


def _jwt_shaped(length: int) -> str:
    """A token shaped like one of Keycloak's refresh tokens, padded to `length` characters,
    signed by nobody."""

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    head = part({"alg": "HS512", "typ": "JWT", "kid": "k"})
    body = part({"typ": "Refresh", "sid": "s", "sub": "u", "pad": ""})
    token = f"{head}.{body}."
    return token + "A" * (length - len(token))


# --- logout of an ended session ---------------------------------------------------------------


def test_logging_out_twice_is_a_401_the_second_time(client: Client, accounts: Accounts) -> None:
    tokens = client.login(accounts.sign_up("twice").username)
    first = client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 204
    again = client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401, again.text
    assert again.headers["Content-Type"] == PROBLEM


def test_logout_of_a_session_keycloak_ended_is_a_401(
    client: Client, accounts: Accounts, stack: Stack
) -> None:
    account = accounts.sign_up("ended")
    tokens = client.login(account.username)
    KeycloakAdmin.master(stack).post(f"/users/{account.id}/logout").raise_for_status()
    response = client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401, response.text


def test_logout_with_a_rotated_away_refresh_token_is_a_401(
    client: Client, accounts: Accounts
) -> None:
    tokens = client.login(accounts.sign_up("rotated").username)
    assert client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).ok
    response = client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401, response.text


# --- input errors are 4xx ---------------------------------------------------------------------


@pytest.mark.parametrize("length", [5_000, 9_000, 16_384])
@pytest.mark.parametrize("path", ["/auth/refresh", "/auth/logout"])
@pytest.mark.parametrize("shape", ["plain", "jwt"])
def test_a_long_refresh_token_is_a_401(client: Client, path: str, length: int, shape: str) -> None:
    token = "x" * length if shape == "plain" else _jwt_shaped(length)
    response = client.post(path, json={"refresh_token": token})
    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"] == PROBLEM


@pytest.mark.parametrize("username", ["ali\x00ce", "\x00", "bob\n", "tab\tbed"])
def test_a_control_character_in_the_username_at_login_is_a_422(
    client: Client, username: str
) -> None:
    response = client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == PROBLEM
    assert "username" in response.json()["errors"]


def test_a_nul_in_the_password_at_login_is_a_422(client: Client) -> None:
    response = client.post("/auth/login", json={"username": "alice", "password": "pa\x00ss-word"})
    assert response.status_code == 422, response.text
    assert "password" in response.json()["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "nul\x00name"),
        ("email", "a\x00b@example.test"),
        ("first_name", "A\x00da"),
        ("password", "correct\x00horse"),
    ],
)
def test_a_nul_at_signup_is_a_422_naming_the_field(field: str, value: str, stack: Stack) -> None:
    body = {"username": "nulsignup", "email": "nulsignup@example.test", "password": PASSWORD}
    body[field] = value
    response = Client(stack, fresh_address()).post("/auth/signup", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]
