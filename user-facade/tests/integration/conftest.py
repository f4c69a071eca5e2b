"""Fixtures of the identity integration tests (the native stack must be up: `make up`)."""

from collections.abc import Iterator

import pytest

from taskwire_testkit import Stack

from .clients import Accounts, Client, fresh_address

OUTAGE = "test_when_keycloak_is_down.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Keycloak outage test goes last in the whole session, whatever else runs with it:
    it stops the shared Keycloak for ~20 s (and always restarts it)."""
    outage = [item for item in items if item.path.name == OUTAGE]
    items[:] = [item for item in items if item.path.name != OUTAGE] + outage


@pytest.fixture
def client(stack: Stack) -> Client:
    """A caller from an address of its own."""
    return Client(stack, fresh_address())


@pytest.fixture(scope="session")
def accounts(stack: Stack) -> Iterator[Accounts]:
    made = Accounts(stack)
    yield made
    made.delete_all()
