"""The authenticated caller, as the token describes it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    subject: str  # Keycloak user id (`sub`)
    username: str | None
    email: str | None
    roles: frozenset[str]
    session_id: str | None  # Keycloak session (`sid`), the unit a logout revokes
    issued_at: int
    expires_at: int  # `exp`, Unix seconds: a stream held open with this token ends then

    def has_role(self, role: str) -> bool:
        return role in self.roles
