"""user-facade's settings, read once from the environment."""

import os
import tempfile
from dataclasses import dataclass

from taskwire_events.kafka_clients import KafkaClients
from taskwire_settings.env import optional, setting

SERVICE = "user-facade"


@dataclass(frozen=True)
class Settings:
    keycloak_url: str  # where this service reaches Keycloak (may differ from the public issuer)
    realm: str
    statsd_host: str
    statsd_port: int
    sentry_dsn: str | None
    client_secret: str  # of the facade's confidential clients `user-facade-login`, `user-facade`
    # Follows and publishes revocations as one principal: one process, one secret.
    kafka: KafkaClients
    issuer: str = "http://localhost:8180/realms/taskwire"  # the `iss` browsers and services see
    # The facade's confidential client at the token endpoint: password grant, refresh,
    # introspection, logout (the realm's public clients have no direct grants).
    client_id: str = "user-facade-login"
    admin_client_id: str = "user-facade"  # its service account creates users
    # The public client of browsers and Postman; its back-channel logout tokens come here too.
    browser_client_id: str = "taskwire-web"
    access_audience: str = "task-api"  # every access token of the realm names it in `aud`
    # How long a revoked session stays listed: the longest access-token lifetime (realm:
    # 300 s), plus the validators' clock leeway and margin.
    revocation_ttl_seconds: int = 360
    keycloak_connect_timeout_seconds: float = 1.0
    keycloak_read_timeout_seconds: float = 5.0
    keycloak_connect_retries: int = 2
    retry_after_seconds: int = 5  # told to callers while Keycloak is down
    trusted_proxies: str = "127.0.0.1"  # peers whose X-Forwarded-For we believe (the gateway)
    signup_rate: str = "20/600"  # per client address: COUNT/SECONDS
    login_rate: str = "30/60"
    rate_limit_file: str = ""  # SQLite file shared by the workers; "" = one per process

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            keycloak_url=setting("KEYCLOAK_URL", "http://127.0.0.1:8180"),
            realm=setting("KEYCLOAK_REALM", "taskwire"),
            statsd_host=setting("STATSD_HOST", "127.0.0.1"),
            statsd_port=int(setting("STATSD_PORT", "9125")),
            sentry_dsn=optional("SENTRY_DSN"),
            client_secret=setting("KEYCLOAK_FACADE_CLIENT_SECRET", "dev-only-facade-secret"),
            issuer=setting("KEYCLOAK_ISSUER", "http://localhost:8180/realms/taskwire"),
            client_id=setting("USER_FACADE_CLIENT_ID", "user-facade-login"),
            admin_client_id=setting("USER_FACADE_ADMIN_CLIENT_ID", "user-facade"),
            browser_client_id=setting("USER_FACADE_BROWSER_CLIENT_ID", "taskwire-web"),
            access_audience=setting("TASK_API_AUDIENCE", "task-api"),
            kafka=KafkaClients.from_env(SERVICE),
            revocation_ttl_seconds=int(setting("AUTH_REVOCATION_TTL_SECONDS", "360")),
            keycloak_connect_timeout_seconds=float(
                setting("USER_FACADE_KEYCLOAK_CONNECT_TIMEOUT", "1")
            ),
            keycloak_read_timeout_seconds=float(setting("USER_FACADE_KEYCLOAK_READ_TIMEOUT", "5")),
            keycloak_connect_retries=int(setting("USER_FACADE_KEYCLOAK_CONNECT_RETRIES", "2")),
            retry_after_seconds=int(setting("USER_FACADE_RETRY_AFTER", "5")),
            trusted_proxies=setting("USER_FACADE_TRUSTED_PROXIES", "127.0.0.1"),
            signup_rate=setting("USER_FACADE_SIGNUP_RATE", "20/600"),
            login_rate=setting("USER_FACADE_LOGIN_RATE", "30/60"),
            rate_limit_file=optional("USER_FACADE_RATE_LIMIT_FILE") or "",
        )

    @property
    def realm_url(self) -> str:
        return f"{self.keycloak_url.rstrip('/')}/realms/{self.realm}"

    @property
    def jwks_url(self) -> str:
        return f"{self.realm_url}/protocol/openid-connect/certs"

    def rate_limit_path(self) -> str:
        """gunicorn.conf.py sets one file for all workers; elsewhere each process has its own."""
        if self.rate_limit_file:
            return self.rate_limit_file
        return os.path.join(tempfile.gettempdir(), f"user-facade-rate-limits-{os.getpid()}.sqlite3")
