"""A caller of the real task-api through the gateway, signed in as a real Keycloak user."""

from collections.abc import Callable
from typing import Any

import pytest
import requests

from taskwire_testkit import Stack, User, Users


class Caller:
    def __init__(self, stack: Stack, user: User) -> None:
        self.user = user
        self.base = stack.gateway
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {user.token(stack)}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base}{path}", timeout=10, **kwargs)

    def create(self, **fields: Any) -> dict[str, Any]:
        response = self.request("POST", "/tasks", json={"title": "a task", **fields})
        assert response.status_code == 201, response.text
        task: dict[str, Any] = response.json()
        return task


@pytest.fixture
def caller(stack: Stack, users: Users) -> Callable[[], Caller]:
    """Makes callers, each a new user with their own token."""
    return lambda: Caller(stack, users.create())


@pytest.fixture
def alice(caller: Callable[[], Caller]) -> Caller:
    return caller()


@pytest.fixture
def bob(caller: Callable[[], Caller]) -> Caller:
    return caller()


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body
