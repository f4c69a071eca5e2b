"""Who is calling: Keycloak access tokens checked locally, never by a call per request."""

from taskwire_auth.guard import Guard, current_principal
from taskwire_auth.jwks import JwksCache
from taskwire_auth.principal import Principal
from taskwire_auth.tokens import InvalidToken, TokenValidator

__all__ = ["Guard", "InvalidToken", "JwksCache", "Principal", "TokenValidator", "current_principal"]
