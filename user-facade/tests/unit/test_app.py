"""The app factory: alive without Keycloak, ready only with it."""

from user_facade.app import create_app
from user_facade.settings import Settings


def test_the_facade_is_alive_but_not_ready_when_keycloak_is_unreachable() -> None:
    settings = Settings(
        keycloak_url="http://127.0.0.1:1",
        realm="taskwire",
        statsd_host="127.0.0.1",
        statsd_port=9,
        sentry_dsn=None,
    )
    client = create_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json is not None
    assert ready.json["checks"] == {"keycloak": "failing"}


def test_the_realm_url_is_built_from_the_keycloak_url_and_realm() -> None:
    settings = Settings(
        keycloak_url="http://kc:8180/",
        realm="taskwire",
        statsd_host="127.0.0.1",
        statsd_port=9,
        sentry_dsn=None,
    )
    assert settings.realm_url == "http://kc:8180/realms/taskwire"
