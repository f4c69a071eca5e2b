"""What the use cases need from the outside world; `adapters/` implements it, tests fake it."""

from dataclasses import dataclass
from typing import Protocol

from taskwire_auth import Revocation
from user_facade.domain.accounts import Account, EndedSession, NewAccount, Tokens


class IdentityProvider(Protocol):
    """Keycloak's user store and token endpoint. Raises the errors of `domain.errors`."""

    def create_user(self, account: NewAccount) -> Account: ...

    def password_grant(self, username: str, password: str) -> Tokens: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def end_session(self, refresh_token: str) -> EndedSession: ...


class RevocationPublisher(Protocol):
    def publish(self, revocation: Revocation) -> None:
        """Hand the revocation to every API instance; raises `RevocationNotPublished`."""


class RevocationNotPublished(Exception):
    """The revocation could not be confirmed in time; it may still go out later."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: float = 0.0


class RateLimiter(Protocol):
    def hit(self, key: str) -> Decision:
        """Count one request for `key`; refused when its allowance is used up."""
