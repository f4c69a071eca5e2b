"""The user directory against the real Keycloak: an owner's address through the
least-privilege client `notification-consumer`."""

import os
import uuid

import pytest

from notification_consumer.adapters.keycloak import KeycloakDirectory
from notification_consumer.domain.errors import DirectoryUnavailable, NoEmailAddress
from taskwire_testkit import Stack, Users

SECRET = os.environ.get("KEYCLOAK_NOTIFICATIONS_CLIENT_SECRET", "dev-only-notifications-secret")


def directory(stack: Stack, secret: str = SECRET) -> KeycloakDirectory:
    return KeycloakDirectory(
        f"http://{stack.host}:{stack.keycloak_port}", "taskwire", "notification-consumer", secret
    )


def test_an_owners_address_is_found_by_their_id(stack: Stack, users: Users) -> None:
    user = users.create("directory")
    assert directory(stack).recipient_of(uuid.UUID(user.id)).address == user.email


def test_an_unknown_owner_has_no_address(stack: Stack) -> None:
    with pytest.raises(NoEmailAddress, match="not a user"):
        directory(stack).recipient_of(uuid.uuid4())


def test_a_wrong_client_secret_is_an_unavailable_directory_not_a_missing_address(
    stack: Stack,
) -> None:
    with pytest.raises(DirectoryUnavailable):
        directory(stack, secret="wrong").recipient_of(uuid.uuid4())
