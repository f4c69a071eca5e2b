"""pytest fixtures shared by every integration test (registered as a pytest plugin)."""

from collections.abc import Iterator

import pytest

from taskwire_testkit.mailbox import Mailbox
from taskwire_testkit.notification_store import NotificationStore
from taskwire_testkit.stack import Stack
from taskwire_testkit.users import Users


@pytest.fixture(scope="session")
def stack() -> Stack:
    return Stack()


@pytest.fixture(scope="session")
def users(stack: Stack) -> Iterator[Users]:
    made = Users(stack)
    yield made
    made.delete_all()


@pytest.fixture(scope="session")
def notification_store(stack: Stack) -> NotificationStore:
    return NotificationStore(stack)


@pytest.fixture(scope="session")
def mailbox(stack: Stack) -> Mailbox:
    return Mailbox(stack)
