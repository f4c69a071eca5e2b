"""In-memory stand-ins for the ports of `user_facade.service.ports`."""

from dataclasses import dataclass, field

from taskwire_auth import Revocation
from user_facade.domain.accounts import Account, EndedSession, NewAccount, Tokens
from user_facade.domain.errors import (
    EmailTaken,
    IdentityProviderUnavailable,
    InvalidCredentials,
    InvalidRefreshToken,
    SignupRejected,
    UsernameTaken,
)
from user_facade.service.ports import Decision, RevocationNotPublished


@dataclass
class Session:
    sid: str
    sub: str
    refresh_token: str
    alive: bool = True


@dataclass
class FakeKeycloak:
    """Users, passwords and sessions as Keycloak keeps them, with its password policy (min 8)."""

    users: dict[str, tuple[Account, str]] = field(default_factory=dict)  # username -> (acct, pw)
    sessions: list[Session] = field(default_factory=list)
    down: bool = False

    def create_user(self, account: NewAccount) -> Account:
        self._answer()
        if account.username.lower() in self.users:
            raise UsernameTaken()
        if any(a.email == account.email.lower() for a, _ in self.users.values()):
            raise EmailTaken()
        if len(account.password) < 8:
            raise SignupRejected({"password": ["Invalid password: minimum length 8."]})
        created = Account(
            f"id-{len(self.users) + 1}", account.username.lower(), account.email.lower()
        )
        self.users[created.username] = (created, account.password)
        return created

    def password_grant(self, username: str, password: str) -> Tokens:
        self._answer()
        found = self.users.get(username.lower())
        if found is None or found[1] != password:
            raise InvalidCredentials()
        session = Session(f"sid-{len(self.sessions) + 1}", found[0].id, f"rt-{len(self.sessions)}")
        self.sessions.append(session)
        return self._tokens(session)

    def refresh(self, refresh_token: str) -> Tokens:
        self._answer()
        session = self._session(refresh_token)
        session.refresh_token += "'"
        return self._tokens(session)

    def end_session(self, refresh_token: str) -> EndedSession:
        self._answer()
        session = self._session(refresh_token)
        session.alive = False
        return EndedSession(session.sid, session.sub)

    def _session(self, refresh_token: str) -> Session:
        for session in self.sessions:
            if session.alive and session.refresh_token == refresh_token:
                return session
        raise InvalidRefreshToken()

    def _tokens(self, session: Session) -> Tokens:
        return Tokens(f"at-{session.sid}", session.refresh_token, 300, 1800)

    def _answer(self) -> None:
        if self.down:
            raise IdentityProviderUnavailable("connection refused")


@dataclass
class FakePublisher:
    published: list[Revocation] = field(default_factory=list)
    broken: bool = False

    def publish(self, revocation: Revocation) -> None:
        if self.broken:
            raise RevocationNotPublished("kafka is down")
        self.published.append(revocation)


@dataclass
class CountingLimiter:
    """Allows `allowance` hits per key, then refuses with a fixed Retry-After."""

    allowance: int
    hits: dict[str, int] = field(default_factory=dict)

    def hit(self, key: str) -> Decision:
        self.hits[key] = self.hits.get(key, 0) + 1
        if self.hits[key] > self.allowance:
            return Decision(allowed=False, retry_after_seconds=12.5)
        return Decision(allowed=True)
