"""The app factory and the HTTP edge, with nothing behind it: Keycloak and Kafka unreachable."""

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from taskwire_events.kafka_clients import KafkaClients
from taskwire_settings.env import SettingsError
from user_facade.app import create_app
from user_facade.settings import Settings


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "keycloak_url": "http://127.0.0.1:1",
        "realm": "taskwire",
        "statsd_host": "127.0.0.1",
        "statsd_port": 9,
        "sentry_dsn": None,
        "client_secret": "test-secret",
        "kafka": KafkaClients("127.0.0.1:1", "user-facade", "unused"),
        "keycloak_connect_retries": 0,
        "rate_limit_file": str(tmp_path / "limits.sqlite3"),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return create_app(_settings(tmp_path)).test_client()


def test_the_facade_is_alive_but_not_ready_when_keycloak_is_unreachable(
    client: FlaskClient,
) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json is not None
    assert ready.json["checks"] == {"keycloak": "failing"}


def test_keycloak_being_down_is_a_503_problem_with_retry_after(client: FlaskClient) -> None:
    response = client.post("/auth/login", json={"username": "alice", "password": "s3cret-pass"})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"


def test_me_without_a_token_is_a_401_bearer_challenge(client: FlaskClient) -> None:
    response = client.get("/auth/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "email": "alice@example.test"},
        {"username": "alice", "email": "not-an-email", "password": "s3cret-pass"},
        {"username": "alice", "email": "a@example.test", "password": "s3cret-pass", "role": "x"},
    ],
)
def test_an_invalid_signup_is_a_422_naming_the_field(
    client: FlaskClient, body: dict[str, str]
) -> None:
    response = client.post("/auth/signup", json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert set(response.json["errors"]) <= {"password", "email", "role"}


def test_a_garbage_logout_token_is_a_400_problem(client: FlaskClient) -> None:
    response = client.post("/auth/backchannel-logout", data={"logout_token": "not.a.jwt"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_logins_beyond_the_allowance_are_429_with_retry_after(tmp_path: Path) -> None:
    client = create_app(_settings(tmp_path, login_rate="2/60")).test_client()
    body = {"username": "alice", "password": "s3cret-pass"}
    statuses = [client.post("/auth/login", json=body).status_code for _ in range(3)]
    assert statuses == [503, 503, 429]
    refused = client.post("/auth/login", json=body)
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 30


def test_the_openapi_spec_documents_every_identity_endpoint(client: FlaskClient) -> None:
    spec = client.get("/auth/openapi.json").json
    assert spec is not None
    assert set(spec["paths"]) == {
        "/auth/signup",
        "/auth/login",
        "/auth/refresh",
        "/auth/logout",
        "/auth/me",
        "/auth/backchannel-logout",
    }
    assert "409" in spec["paths"]["/auth/signup"]["post"]["responses"]
    assert spec["paths"]["/auth/me"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in spec["paths"]["/auth/login"]["post"]


def test_swagger_ui_is_served_with_its_own_assets_under_auth(client: FlaskClient) -> None:
    page = client.get("/auth/docs")
    assert page.status_code == 200
    assert "/auth/docs/assets/swagger-ui-bundle.js" in page.get_data(as_text=True)
    asset = client.get("/auth/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert asset.mimetype in {"text/javascript", "application/javascript"}
    asset.close()


def test_the_realm_urls_are_built_from_the_keycloak_url_and_realm(tmp_path: Path) -> None:
    settings = _settings(tmp_path, keycloak_url="http://kc:8180/")
    assert settings.realm_url == "http://kc:8180/realms/taskwire"
    assert settings.jwks_url == "http://kc:8180/realms/taskwire/protocol/openid-connect/certs"


def test_settings_refuse_the_dev_client_secret_outside_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKWIRE_ENV", "production")
    for name in ("KEYCLOAK_URL", "KEYCLOAK_REALM", "STATSD_HOST", "STATSD_PORT"):
        monkeypatch.setenv(name, "9125" if name.endswith("PORT") else "set")
    monkeypatch.setenv("KEYCLOAK_FACADE_CLIENT_SECRET", "dev-only-facade-secret")
    with pytest.raises(SettingsError, match="KEYCLOAK_FACADE_CLIENT_SECRET"):
        Settings.from_env()
