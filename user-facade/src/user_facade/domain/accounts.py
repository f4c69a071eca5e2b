"""Accounts and the tokens of a signed-in session, as the facade hands them out."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NewAccount:
    username: str
    email: str
    password: str
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True)
class Account:
    id: str  # the Keycloak user id, the `sub` of the user's tokens
    username: str
    email: str


@dataclass(frozen=True)
class Me:
    id: str
    username: str | None
    email: str | None
    roles: list[str]


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    token_type: str = "Bearer"  # noqa: S105 (a token type, not a secret)


@dataclass(frozen=True)
class EndedSession:
    """The Keycloak session a logout ended, and whose it was."""

    session_id: str | None
    subject: str | None
