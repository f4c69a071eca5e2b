"""Real users in the realm, created through Keycloak's admin API with the facade's client."""

import uuid
from dataclasses import dataclass

import requests

from taskwire_testkit.stack import Stack

PASSWORD = "correct-horse-battery"
TIMEOUT = 10


@dataclass(frozen=True)
class User:
    id: str
    username: str
    email: str
    password: str

    def token(self, stack: Stack) -> str:
        return password_grant(stack, self.username, self.password)["access_token"]


def password_grant(stack: Stack, username: str, password: str) -> dict[str, str]:
    """Tokens straight from Keycloak, past the facade's login limit: only with the facade's
    confidential login client (the realm's public clients have no direct grants)."""
    response = requests.post(
        f"{stack.realm}/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "user-facade-login",
            "client_secret": stack.facade_secret,
            "username": username,
            "password": password,
            "scope": "openid",
        },
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    tokens: dict[str, str] = response.json()
    return tokens


def master_admin_grant(stack: Stack) -> requests.Response:
    """The dev bootstrap admin's password grant at the master realm's `admin-cli` (untouched by
    the taskwire realm's no-direct-grants rule)."""
    master = stack.realm.replace("/realms/taskwire", "/realms/master")
    return requests.post(
        f"{master}/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": "admin",
            "password": "admin",
        },
        timeout=TIMEOUT,
    )


class Users:
    """Makes unique users for one test session and deletes them at its end."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._session = requests.Session()
        self._created: list[str] = []

    def _admin_headers(self) -> dict[str, str]:
        response = self._session.post(
            f"{self._stack.realm}/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "user-facade",
                "client_secret": self._stack.facade_secret,
            },
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def _admin_url(self) -> str:
        return self._stack.realm.replace("/realms/", "/admin/realms/")

    def create(
        self,
        prefix: str = "user",
        first_name: str = "Test",
        last_name: str = "User",
        attributes: dict[str, list[str]] | None = None,
    ) -> User:
        username = f"{prefix}-{uuid.uuid4().hex[:10]}"
        email = f"{username}@example.test"
        response = self._session.post(
            f"{self._admin_url()}/users",
            json={
                "username": username,
                "email": email,
                "emailVerified": True,
                "enabled": True,
                "firstName": first_name,
                "lastName": last_name,
                "attributes": attributes or {},
                "credentials": [{"type": "password", "value": PASSWORD, "temporary": False}],
            },
            headers=self._admin_headers(),
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        user_id = response.headers["Location"].rsplit("/", 1)[-1]
        self._created.append(user_id)
        return User(user_id, username, email, PASSWORD)

    def adopt(self, user_id: str) -> None:
        """Delete at the session's end a user a test signed up itself (through the facade)."""
        self._created.append(user_id)

    def delete_all(self) -> None:
        headers = self._admin_headers()
        for user_id in self._created:
            self._session.delete(
                f"{self._admin_url()}/users/{user_id}", headers=headers, timeout=TIMEOUT
            )
        self._created.clear()
