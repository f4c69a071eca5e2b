"""Checks an OIDC back-channel logout token, as Keycloak POSTs it when a session ends."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from taskwire_auth.jwks import JwksCache
from taskwire_auth.tokens import InvalidToken, verified_claims

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
REQUIRED_CLAIMS = ["iat", "iss", "aud", "jti", "events"]
# Keycloak marks the tokens it issues; none of these may pass for a logout token.
_OTHER_TOKEN_TYPES = frozenset({"Bearer", "ID", "Refresh", "Offline"})


@dataclass(frozen=True)
class LogoutNotice:
    """Keycloak's word that a session (`session_id`) or every session of `subject` ended."""

    subject: str | None
    session_id: str | None
    issued_at: int


class LogoutTokenValidator:
    """OpenID Connect Back-Channel Logout 1.0, section 2.6: signature from the realm's keys,
    `iss`, `aud` = our client (or one of ours), the back-channel logout event, `sid` or `sub`,
    no `nonce`, and an `iat` at most `max_age_seconds` old (the spec's defence against
    replays of old tokens)."""

    def __init__(
        self,
        keys: JwksCache,
        issuer: str,
        client_id: str | tuple[str, ...],
        max_age_seconds: int = 120,
        leeway_seconds: int = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._client_id = client_id
        self._max_age = max_age_seconds
        self._leeway = leeway_seconds
        self._now = clock

    def validate(self, token: str) -> LogoutNotice:
        claims = verified_claims(
            token, self._keys, self._issuer, self._client_id, self._leeway, REQUIRED_CLAIMS
        )
        if "nonce" in claims:
            raise InvalidToken("a logout token must not carry a nonce")
        if claims.get("typ") in _OTHER_TOKEN_TYPES:
            raise InvalidToken("not a logout token")
        events = claims["events"]
        if not isinstance(events, dict) or not isinstance(
            events.get(BACKCHANNEL_LOGOUT_EVENT), dict
        ):
            raise InvalidToken("not a back-channel logout event")
        issued_at = _integer(claims, "iat")
        now = self._now()
        if issued_at < now - self._max_age or issued_at > now + self._leeway:
            raise InvalidToken("logout token too old or from the future")
        subject, session_id = _text(claims, "sub"), _text(claims, "sid")
        if subject is None and session_id is None:
            raise InvalidToken("a logout token needs `sid` or `sub`")
        return LogoutNotice(subject=subject, session_id=session_id, issued_at=issued_at)


def _text(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidToken(f"`{name}` must be a non-empty string")
    return value


def _integer(claims: dict[str, Any], name: str) -> int:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"`{name}` must be a number")
    return int(value)
