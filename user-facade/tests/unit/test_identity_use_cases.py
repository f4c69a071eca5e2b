"""The identity use cases against a fake Keycloak, a fake revocation topic and fake limits."""

import pytest

from taskwire_auth import LogoutNotice, Principal
from user_facade.domain.accounts import NewAccount
from user_facade.domain.errors import (
    EmailTaken,
    IdentityProviderUnavailable,
    InvalidCredentials,
    InvalidRefreshToken,
    SignupRejected,
    TooManyRequests,
    UsernameTaken,
)
from user_facade.service.identity import IdentityService
from user_facade.service.ports import RevocationNotPublished

from .fakes import CountingLimiter, FakeKeycloak, FakePublisher

NOW = 1_800_000_000.0
CLIENT = "203.0.113.7"


class World:
    def __init__(self, signups: int = 100, logins: int = 100) -> None:
        self.keycloak = FakeKeycloak()
        self.topic = FakePublisher()
        self.signup_limit = CountingLimiter(signups)
        self.login_limit = CountingLimiter(logins)
        self.service = IdentityService(
            self.keycloak,
            self.topic,
            self.signup_limit,
            self.login_limit,
            revocation_ttl_seconds=360,
            clock=lambda: NOW,
        )

    def alice(self) -> None:
        self.service.sign_up(NewAccount("Alice", "Alice@Example.test", "s3cret-pass"), CLIENT)


@pytest.fixture
def world() -> World:
    return World()


def test_signing_up_returns_the_new_account_in_keycloaks_spelling(world: World) -> None:
    account = world.service.sign_up(
        NewAccount("Alice", "Alice@Example.test", "s3cret-pass", "Alice", "Liddell"), CLIENT
    )
    assert (account.username, account.email) == ("alice", "alice@example.test")


def test_a_taken_username_or_email_is_a_conflict(world: World) -> None:
    world.alice()
    with pytest.raises(UsernameTaken):
        world.service.sign_up(NewAccount("alice", "other@example.test", "s3cret-pass"), CLIENT)
    with pytest.raises(EmailTaken):
        world.service.sign_up(NewAccount("bob", "alice@example.test", "s3cret-pass"), CLIENT)


def test_the_password_policys_verdict_reaches_the_caller(world: World) -> None:
    with pytest.raises(SignupRejected) as rejected:
        world.service.sign_up(NewAccount("bob", "bob@example.test", "short"), CLIENT)
    assert rejected.value.errors == {"password": ["Invalid password: minimum length 8."]}


def test_a_signed_up_user_can_log_in_at_once(world: World) -> None:
    world.alice()
    tokens = world.service.log_in("alice", "s3cret-pass", CLIENT)
    assert tokens.token_type == "Bearer"
    assert tokens.expires_in == 300


def test_a_wrong_password_and_an_unknown_user_fail_alike(world: World) -> None:
    world.alice()
    with pytest.raises(InvalidCredentials) as wrong_password:
        world.service.log_in("alice", "wrong-pass", CLIENT)
    with pytest.raises(InvalidCredentials) as unknown_user:
        world.service.log_in("nobody", "s3cret-pass", CLIENT)
    assert str(wrong_password.value) == str(unknown_user.value)


def test_logins_beyond_the_allowance_of_an_address_are_refused_before_keycloak() -> None:
    world = World(logins=2)
    world.alice()
    world.service.log_in("alice", "s3cret-pass", CLIENT)
    world.service.log_in("alice", "s3cret-pass", CLIENT)
    world.keycloak.down = True  # proves the third attempt never reaches Keycloak
    with pytest.raises(TooManyRequests) as refused:
        world.service.log_in("alice", "s3cret-pass", CLIENT)
    assert refused.value.retry_after_seconds == 12.5
    world.keycloak.down = False
    world.service.log_in("alice", "s3cret-pass", "198.51.100.1")  # another address is fine


def test_signups_beyond_the_allowance_of_an_address_are_refused() -> None:
    world = World(signups=1)
    world.alice()
    with pytest.raises(TooManyRequests):
        world.service.sign_up(NewAccount("bob", "bob@example.test", "s3cret-pass"), CLIENT)


def test_refreshing_rotates_the_refresh_token(world: World) -> None:
    world.alice()
    first = world.service.log_in("alice", "s3cret-pass", CLIENT)
    second = world.service.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    with pytest.raises(InvalidRefreshToken):
        world.service.refresh(first.refresh_token)


def test_logging_out_revokes_the_session_until_its_last_access_token_expires(
    world: World,
) -> None:
    world.alice()
    tokens = world.service.log_in("alice", "s3cret-pass", CLIENT)
    world.service.log_out(tokens.refresh_token)
    [revocation] = world.topic.published
    assert revocation.sid == "sid-1"
    assert revocation.sub == "id-1"
    assert (revocation.revoked_at, revocation.expires_at) == (NOW, NOW + 360)
    with pytest.raises(InvalidRefreshToken):
        world.service.refresh(tokens.refresh_token)


def test_logging_out_with_an_invalid_token_revokes_nothing(world: World) -> None:
    with pytest.raises(InvalidRefreshToken):
        world.service.log_out("forged")
    assert world.topic.published == []


def test_a_logout_still_succeeds_when_the_revocation_is_not_confirmed(world: World) -> None:
    world.alice()
    tokens = world.service.log_in("alice", "s3cret-pass", CLIENT)
    world.topic.broken = True
    world.service.log_out(tokens.refresh_token)  # no exception: the session did end
    with pytest.raises(InvalidRefreshToken):
        world.service.refresh(tokens.refresh_token)


def test_a_back_channel_logout_revokes_the_session_keycloak_names(world: World) -> None:
    world.service.end_session(LogoutNotice(subject="id-9", session_id="sid-9", issued_at=1))
    [revocation] = world.topic.published
    assert (revocation.sid, revocation.sub) == ("sid-9", "id-9")


def test_a_back_channel_logout_that_cannot_be_propagated_fails_loudly(world: World) -> None:
    world.topic.broken = True
    with pytest.raises(RevocationNotPublished):
        world.service.end_session(LogoutNotice(subject="id-9", session_id="sid-9", issued_at=1))


def test_keycloak_being_down_surfaces_as_unavailable(world: World) -> None:
    world.keycloak.down = True
    with pytest.raises(IdentityProviderUnavailable):
        world.service.log_in("alice", "s3cret-pass", CLIENT)


def test_who_am_i_shows_the_taskwire_roles_only(world: World) -> None:
    principal = Principal(
        subject="id-1",
        username="alice",
        email="alice@example.test",
        roles=frozenset(
            {"user", "admin", "offline_access", "uma_authorization", "default-roles-taskwire"}
        ),
        session_id="sid-1",
        issued_at=1,
        expires_at=301,
    )
    me = world.service.who_am_i(principal)
    assert me.roles == ["admin", "user"]
    assert (me.id, me.username, me.email) == ("id-1", "alice", "alice@example.test")
