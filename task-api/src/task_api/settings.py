"""task-api's settings, read once from the environment."""

from dataclasses import dataclass

from taskwire_events.kafka_clients import KafkaClients
from taskwire_settings.env import optional, setting

SERVICE = "task-api"


@dataclass(frozen=True)
class Settings:
    database_url: str
    issuer: str  # the `iss` of the realm's tokens, as browsers and services see it
    jwks_url: str  # where this service fetches the realm's keys (may be an internal address)
    audience: str
    cursor_secret: str
    statsd_host: str
    statsd_port: int
    sentry_dsn: str | None
    # Where and as whom the revoked-sessions topic is followed (docs/identity.md); None: no
    # follower.
    kafka: KafkaClients | None = None

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=setting(
                "TASK_API_DATABASE_URL",
                "postgresql+psycopg2://task_api:task-api-dev-only-password@127.0.0.1:5432/tasks",
            ),
            issuer=setting("KEYCLOAK_ISSUER", "http://localhost:8180/realms/taskwire"),
            jwks_url=setting(
                "KEYCLOAK_JWKS_URL",
                "http://127.0.0.1:8180/realms/taskwire/protocol/openid-connect/certs",
            ),
            audience=setting("TASK_API_AUDIENCE", "task-api"),
            cursor_secret=setting("TASK_API_CURSOR_SECRET", "task-api-cursor-dev-only-secret"),
            statsd_host=setting("STATSD_HOST", "127.0.0.1"),
            statsd_port=int(setting("STATSD_PORT", "9125")),
            sentry_dsn=optional("SENTRY_DSN"),
            kafka=KafkaClients.from_env(SERVICE),
        )
