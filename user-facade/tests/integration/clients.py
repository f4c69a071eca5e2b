"""Callers of the running stack for the identity tests: the public API through the gateway, each
from its own loopback address (per-address rate limits never couple two tests), accounts signed
up through the facade, and Keycloak's admin API."""

import uuid
from dataclasses import dataclass
from typing import Any

import requests

from taskwire_testkit import Stack, fresh_address, master_admin_grant, session_from

PASSWORD = "correct-horse-battery"
TIMEOUT = 10


class Client:
    """A caller of the public API (the gateway), from one address."""

    def __init__(self, stack: Stack, address: str) -> None:
        self.base = stack.gateway
        self.address = address
        self.http = session_from(address)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.base + path, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.get(self.base + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def login(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        response = self.post("/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    email: str
    password: str = PASSWORD


class Accounts:
    """Signs up unique accounts through the facade; deletes them with the facade's service
    account when the session ends."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._ids: list[str] = []

    def sign_up(self, prefix: str = "id", **fields: str) -> Account:
        username = f"{prefix}-{uuid.uuid4().hex[:10]}"
        body = {"username": username, "email": f"{username}@example.test", "password": PASSWORD}
        body.update(fields)
        # From a new address each time: the signup allowance is per address.
        response = Client(self._stack, fresh_address()).post("/auth/signup", json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        self._ids.append(created["id"])
        return Account(created["id"], created["username"], created["email"], body["password"])

    def created(self, account_id: str) -> None:
        """Remember an account a test signed up itself, for deletion."""
        self._ids.append(account_id)

    def delete_all(self) -> None:
        admin = KeycloakAdmin.service_account(self._stack)
        for account_id in self._ids:
            admin.delete(f"/users/{account_id}")


class KeycloakAdmin:
    """The admin REST API of realm `taskwire`, as the facade's service account or as the
    master realm's dev admin (who may also end sessions)."""

    def __init__(self, stack: Stack, token: str) -> None:
        self._base = stack.realm.replace("/realms/", "/admin/realms/")
        self._headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    def service_account(cls, stack: Stack) -> "KeycloakAdmin":
        response = requests.post(
            f"{stack.realm}/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "user-facade",
                "client_secret": stack.facade_secret,
            },
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        return cls(stack, response.json()["access_token"])

    @classmethod
    def master(cls, stack: Stack) -> "KeycloakAdmin":
        response = master_admin_grant(stack)
        response.raise_for_status()
        return cls(stack, response.json()["access_token"])

    def get(self, path: str) -> Any:
        response = requests.get(self._base + path, headers=self._headers, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def post(self, path: str) -> requests.Response:
        return requests.post(self._base + path, headers=self._headers, timeout=TIMEOUT)

    def delete(self, path: str) -> requests.Response:
        return requests.delete(self._base + path, headers=self._headers, timeout=TIMEOUT)
