"""Who is calling: Keycloak access tokens checked locally, never by a call per request."""

from taskwire_auth.guard import (
    TokenCheck,
    authenticated,
    current_principal,
    install_auth,
    install_token_check,
    token_validator,
)
from taskwire_auth.jwks import JwksCache
from taskwire_auth.logout_tokens import LogoutNotice, LogoutTokenValidator
from taskwire_auth.principal import Principal
from taskwire_auth.revocations import Revocation, RevocationFollower, RevocationList
from taskwire_auth.tokens import InvalidToken, TokenValidator

__all__ = [
    "InvalidToken",
    "JwksCache",
    "LogoutNotice",
    "LogoutTokenValidator",
    "Principal",
    "Revocation",
    "RevocationFollower",
    "RevocationList",
    "TokenCheck",
    "TokenValidator",
    "authenticated",
    "current_principal",
    "install_auth",
    "install_token_check",
    "token_validator",
]
