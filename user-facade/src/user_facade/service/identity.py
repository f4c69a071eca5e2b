"""The identity use cases: sign_up, log_in, refresh, log_out, end_session, who_am_i."""

import logging
import time
from collections.abc import Callable

from taskwire_auth import LogoutNotice, Principal, Revocation
from user_facade.domain.accounts import Account, Me, NewAccount, Tokens
from user_facade.domain.errors import TooManyRequests
from user_facade.service.ports import (
    IdentityProvider,
    RateLimiter,
    RevocationNotPublished,
    RevocationPublisher,
)

# Realm roles every Keycloak user has; they say nothing about what a Taskwire user may do.
_KEYCLOAK_BUILTIN_ROLES = frozenset({"offline_access", "uma_authorization"})
log = logging.getLogger(__name__)


class IdentityService:
    def __init__(
        self,
        provider: IdentityProvider,
        revocations: RevocationPublisher,
        signup_limit: RateLimiter,
        login_limit: RateLimiter,
        revocation_ttl_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._provider = provider
        self._revocations = revocations
        self._signup_limit = signup_limit
        self._login_limit = login_limit
        self._revocation_ttl = revocation_ttl_seconds
        self._now = clock

    def sign_up(self, account: NewAccount, client: str) -> Account:
        _allow(self._signup_limit, client)
        return self._provider.create_user(account)

    def log_in(self, username: str, password: str, client: str) -> Tokens:
        _allow(self._login_limit, client)
        return self._provider.password_grant(username, password)

    def refresh(self, refresh_token: str) -> Tokens:
        return self._provider.refresh(refresh_token)

    def log_out(self, refresh_token: str) -> None:
        """End the session at Keycloak, then revoke it everywhere ourselves: Keycloak's
        back-channel call may be lost, and this way the caller's 204 means it is on its way."""
        ended = self._provider.end_session(refresh_token)
        if ended.session_id is None:
            log.warning("logout of a session-less token: nothing to revoke")
            return
        try:
            self._revoke(ended.session_id, ended.subject, "logout")
        except RevocationNotPublished as error:
            # The refresh token is dead either way; the producer keeps retrying in the
            # background and Keycloak's back-channel call is a second path (docs/identity.md).
            log.error("logout revocation not confirmed", extra={"error": repr(error)})

    def end_session(self, notice: LogoutNotice) -> None:
        """Keycloak ended a session (back-channel logout: admin console, SSO logout, expiry);
        without a `sid` it means every session of the user. Raises `RevocationNotPublished`."""
        self._revoke(notice.session_id, notice.subject, "backchannel")

    def who_am_i(self, principal: Principal) -> Me:
        roles = sorted(
            role
            for role in principal.roles
            if role not in _KEYCLOAK_BUILTIN_ROLES and not role.startswith("default-roles-")
        )
        return Me(principal.subject, principal.username, principal.email, roles)

    def _revoke(self, session_id: str | None, subject: str | None, source: str) -> None:
        now = self._now()
        revocation = Revocation(
            sid=session_id, sub=subject, revoked_at=now, expires_at=now + self._revocation_ttl
        )
        self._revocations.publish(revocation)
        log.info("session revoked", extra={"sid": session_id, "sub": subject, "via": source})


def _allow(limiter: RateLimiter, client: str) -> None:
    decision = limiter.hit(client)
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after_seconds)
