"""Contract section 2 through the gateway, against the real Keycloak: every row, its failures."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from taskwire_testkit import Stack

from .clients import PASSWORD, Accounts, Client, KeycloakAdmin, fresh_address

PROBLEM = "application/problem+json"


def _new_name(prefix: str = "su") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _claims(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


# --- POST /auth/signup ------------------------------------------------------------------------


def test_signup_creates_a_user_with_the_user_role(client: Client, accounts: Accounts) -> None:
    name = _new_name()
    response = client.post(
        "/auth/signup",
        json={"username": name, "email": f"{name}@example.test", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    accounts.created(body["id"])
    assert set(body) == {"id", "username", "email"}
    assert (body["username"], body["email"]) == (name, f"{name}@example.test")
    tokens = client.login(name)
    assert _claims(tokens["access_token"])["sub"] == body["id"]
    me = client.get("/auth/me", tokens["access_token"]).json()
    assert me["roles"] == ["user"]


def test_a_user_signed_up_without_names_can_log_in_at_once(
    client: Client, accounts: Accounts
) -> None:
    """The VERIFY_PROFILE trap: a profile Keycloak finds incomplete fails the password grant."""
    account = accounts.sign_up("vp")
    assert client.login(account.username)["token_type"] == "Bearer"


def test_a_user_signed_up_with_names_can_log_in_at_once(client: Client, accounts: Accounts) -> None:
    account = accounts.sign_up("vpn", first_name="Ada", last_name="Lovelace")
    assert client.login(account.username)["token_type"] == "Bearer"


def test_usernames_and_emails_come_back_as_keycloak_stores_them(
    client: Client, accounts: Accounts
) -> None:
    name = _new_name("Mixed")
    response = client.post(
        "/auth/signup",
        json={"username": name, "email": f"{name}@Example.TEST", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    accounts.created(response.json()["id"])
    assert response.json()["username"] == name.lower()
    me = client.get("/auth/me", client.login(name)["access_token"]).json()
    assert (me["username"], me["email"]) == (name.lower(), f"{name}@example.test".lower())


def test_a_taken_username_is_a_409(client: Client, accounts: Accounts) -> None:
    taken = accounts.sign_up("dup")
    response = client.post(
        "/auth/signup",
        json={"username": taken.username, "email": "x" + taken.email, "password": PASSWORD},
    )
    assert response.status_code == 409
    assert response.headers["Content-Type"] == PROBLEM
    assert "username" in response.json()["detail"]


def test_a_taken_email_is_a_409(client: Client, accounts: Accounts) -> None:
    taken = accounts.sign_up("dupmail")
    response = client.post(
        "/auth/signup",
        json={"username": _new_name(), "email": taken.email, "password": PASSWORD},
    )
    assert response.status_code == 409
    assert "e-mail" in response.json()["detail"]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Invalid password: minimum length 8."),
        ("x" * 129, "Invalid password: maximum length 128."),
        (None, "Invalid password: must not be equal to the username."),
    ],
)
def test_the_password_policy_is_a_422_with_its_own_words(
    client: Client, password: str | None, message: str
) -> None:
    name = _new_name()
    response = client.post(
        "/auth/signup",
        json={"username": name, "email": f"{name}@example.test", "password": password or name},
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["errors"] == {"password": [message]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"username": "no spaces!"}, "username"),
        ({"first_name": "<script>"}, "first_name"),
        ({"password": None}, "password"),
        ({"role": "admin"}, "role"),
    ],
)
def test_an_invalid_field_is_a_422_naming_it(
    client: Client, change: dict[str, str | None], field: str
) -> None:
    name = _new_name()
    body: dict[str, str | None] = {
        "username": name,
        "email": f"{name}@example.test",
        "password": PASSWORD,
    }
    body.update(change)
    response = client.post("/auth/signup", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]


# --- POST /auth/login -------------------------------------------------------------------------


def test_login_returns_bearer_tokens_that_task_api_accepts(
    client: Client, accounts: Accounts
) -> None:
    account = accounts.sign_up("login")
    response = client.post("/auth/login", json={"username": account.username, "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json()
    assert set(tokens) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "refresh_expires_in",
    }
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    assert tokens["refresh_expires_in"] > 0
    assert "task-api" in _claims(tokens["access_token"])["aud"]  # type: ignore[operator]
    assert client.get("/tasks", tokens["access_token"]).status_code == 200


def test_login_by_email_address_works(client: Client, accounts: Accounts) -> None:
    account = accounts.sign_up("bymail")
    assert client.login(account.email)["token_type"] == "Bearer"


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(
    client: Client, accounts: Accounts
) -> None:
    account = accounts.sign_up("wrongpw")
    wrong = client.post("/auth/login", json={"username": account.username, "password": "nope-nope"})
    unknown = client.post("/auth/login", json={"username": _new_name(), "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]
    assert wrong.headers["Content-Type"] == unknown.headers["Content-Type"] == PROBLEM


def test_a_locked_account_looks_exactly_like_an_unknown_user(
    client: Client, accounts: Accounts
) -> None:
    """Brute-force protection locks after 5 failures; the 6th try, even with the right password,
    must say no more than a try for a user that does not exist."""
    account = accounts.sign_up("locked")
    ghost = _new_name("ghost")
    for _ in range(6):
        client.post("/auth/login", json={"username": account.username, "password": "bad-guess"})
        client.post("/auth/login", json={"username": ghost, "password": "bad-guess"})
    locked = client.post("/auth/login", json={"username": account.username, "password": PASSWORD})
    unknown = client.post("/auth/login", json={"username": ghost, "password": PASSWORD})
    assert locked.status_code == unknown.status_code == 401
    assert locked.json() == unknown.json()
    assert locked.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]


def test_logins_beyond_the_allowance_of_an_address_get_429_with_retry_after(
    stack: Stack, client: Client
) -> None:
    attempt = {"username": _new_name("nobody"), "password": "whatever-pw"}

    def fail_once(_: int) -> int:
        return Client(stack, client.address).post("/auth/login", json=attempt).status_code

    # The allowance is 30 per 60 s: sent ten at a time, so that on a loaded machine (each
    # refused login costs Keycloak a password hash) the 30 still fall inside one window.
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(fail_once, range(30)))
    assert statuses == [401] * 30
    refused = client.post(
        "/auth/login", json=attempt, headers={"X-Forwarded-For": fresh_address()}
    )  # a client-made X-Forwarded-For does not escape the limit
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == PROBLEM
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert Client(stack, fresh_address()).post("/auth/login", json=attempt).status_code == 401


def test_signups_beyond_the_allowance_of_an_address_get_429(client: Client) -> None:
    name = _new_name()
    rejected = {"username": name, "email": f"{name}@example.test", "password": "short"}
    statuses = [client.post("/auth/signup", json=rejected).status_code for _ in range(21)]
    assert statuses[:20] == [422] * 20
    assert statuses[20] == 429


# --- POST /auth/refresh -----------------------------------------------------------------------


def test_refresh_gives_new_tokens_and_the_old_refresh_token_dies(
    client: Client, accounts: Accounts
) -> None:
    account = accounts.sign_up("refresh")
    first = client.login(account.username)
    response = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.json()
    assert set(second) == set(first)
    assert client.get("/tasks", second["access_token"]).status_code == 200
    replay = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.headers["Content-Type"] == PROBLEM


@pytest.mark.parametrize("token", ["garbage", "eyJhbGciOiJIUzUxMiJ9.e30.c2ln"])
def test_refresh_with_an_invalid_token_is_a_401(client: Client, token: str) -> None:
    assert client.post("/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_refresh_with_an_access_token_is_a_401(client: Client, accounts: Accounts) -> None:
    tokens = client.login(accounts.sign_up("refacc").username)
    response = client.post("/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert response.status_code == 401


# --- POST /auth/logout ------------------------------------------------------------------------


def test_logout_is_204_and_the_refresh_token_no_longer_refreshes(
    client: Client, accounts: Accounts
) -> None:
    tokens = client.login(accounts.sign_up("logout").username)
    response = client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 204
    assert response.content == b""
    after = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert after.status_code == 401


@pytest.mark.parametrize("token", ["garbage", "eyJhbGciOiJIUzUxMiJ9.e30.c2ln"])
def test_logout_with_an_invalid_token_is_a_401(client: Client, token: str) -> None:
    response = client.post("/auth/logout", json={"refresh_token": token})
    assert response.status_code == 401
    assert response.headers["Content-Type"] == PROBLEM


def test_logout_with_an_access_token_is_a_401(client: Client, accounts: Accounts) -> None:
    tokens = client.login(accounts.sign_up("logacc").username)
    response = client.post("/auth/logout", json={"refresh_token": tokens["access_token"]})
    assert response.status_code == 401
    assert client.get("/tasks", tokens["access_token"]).status_code == 200


# --- GET /auth/me -----------------------------------------------------------------------------


def test_me_describes_the_bearer(client: Client, accounts: Accounts) -> None:
    account = accounts.sign_up("me")
    me = client.get("/auth/me", client.login(account.username)["access_token"])
    assert me.status_code == 200
    assert me.json() == {
        "id": account.id,
        "username": account.username,
        "email": account.email,
        "roles": ["user"],
    }


def test_me_shows_the_admin_role_of_the_dev_admin(client: Client) -> None:
    tokens = client.login("taskadmin", "taskadmin-password")
    assert client.get("/auth/me", tokens["access_token"]).json()["roles"] == ["admin", "user"]


@pytest.mark.parametrize("token", [None, "garbage"])
def test_me_without_a_valid_token_is_a_401(client: Client, token: str | None) -> None:
    response = client.get("/auth/me", token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"] == PROBLEM


def test_keycloak_gave_the_new_user_exactly_the_default_roles(
    stack: Stack, accounts: Accounts
) -> None:
    account = accounts.sign_up("roles")
    admin = KeycloakAdmin.service_account(stack)
    roles = {r["name"] for r in admin.get(f"/users/{account.id}/role-mappings/realm/composite")}
    assert "user" in roles
    assert "admin" not in roles
