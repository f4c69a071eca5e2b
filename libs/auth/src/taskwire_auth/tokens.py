"""Checks a Keycloak access token: RS256 signature, issuer, audience, lifetime and type."""

from collections.abc import Callable, Sequence
from typing import Any

import jwt

from taskwire_auth.jwks import JwksCache, UnknownKey
from taskwire_auth.principal import Principal

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]

# Answers whether a principal's session was ended (logout): `RevocationList.is_revoked`.
RevocationCheck = Callable[[Principal], bool]


class InvalidToken(Exception):
    """The token must not be trusted; the message is safe to show to the caller."""


def never_revoked(_principal: Principal) -> bool:
    return False


class TokenValidator:
    def __init__(
        self,
        keys: JwksCache,
        issuer: str,
        audience: str,
        leeway_seconds: int = 10,
        is_revoked: RevocationCheck = never_revoked,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._is_revoked = is_revoked

    def validate(self, token: str) -> Principal:
        claims = verified_claims(
            token, self._keys, self._issuer, self._audience, self._leeway, REQUIRED_CLAIMS
        )
        if claims.get("typ") != "Bearer":
            raise InvalidToken("not an access token")
        principal = _principal(claims)
        if self.session_ended(principal):
            raise InvalidToken("the session of this token has ended")
        return principal

    def session_ended(self, principal: Principal) -> bool:
        """Whether the session of an already validated token was ended since (logout): what a
        long-lived response, such as an event stream, asks again while it stays open."""
        return self._is_revoked(principal)


def verified_claims(
    token: str,
    keys: JwksCache,
    issuer: str,
    audience: str | Sequence[str],
    leeway_seconds: int,
    required: list[str],
) -> dict[str, Any]:
    """The claims of a JWT that a key of the realm signed (RS256) for `audience` (or for any one
    of several), by `issuer`."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("malformed token") from None
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("unsupported signing algorithm")
    try:
        key = keys.key(str(header.get("kid")))
    except UnknownKey:
        raise InvalidToken("unknown signing key") from None
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=leeway_seconds,
            options={"require": required},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token expired") from None
    except jwt.PyJWTError:
        raise InvalidToken("token rejected") from None
    return claims


def _principal(claims: dict[str, Any]) -> Principal:
    roles = claims.get("realm_access", {}).get("roles", [])
    return Principal(
        subject=str(claims["sub"]),
        username=claims.get("preferred_username"),
        email=claims.get("email"),
        roles=frozenset(str(role) for role in roles),
        session_id=claims.get("sid"),
        issued_at=int(claims["iat"]),
        expires_at=int(claims["exp"]),
    )
