"""user-facade's settings, read once from the environment."""

from dataclasses import dataclass

from taskwire_observability.settings_env import optional, setting

SERVICE = "user-facade"


@dataclass(frozen=True)
class Settings:
    keycloak_url: str  # where this service reaches Keycloak (may differ from the public issuer)
    realm: str
    statsd_host: str
    statsd_port: int
    sentry_dsn: str | None

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            keycloak_url=setting("KEYCLOAK_URL", "http://127.0.0.1:8180"),
            realm=setting("KEYCLOAK_REALM", "taskwire"),
            statsd_host=setting("STATSD_HOST", "127.0.0.1"),
            statsd_port=int(setting("STATSD_PORT", "9125")),
            sentry_dsn=optional("SENTRY_DSN"),
        )

    @property
    def realm_url(self) -> str:
        return f"{self.keycloak_url.rstrip('/')}/realms/{self.realm}"
