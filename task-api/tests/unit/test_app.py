"""The app factory: alive without its database, ready only with it, settings fail fast."""

import pytest

from task_api.app import create_app
from task_api.settings import Settings
from taskwire_observability.settings_env import SettingsError

UNREACHABLE = "postgresql+psycopg2://nobody:nothing@127.0.0.1:1/tasks"


def _settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, statsd_host="127.0.0.1", statsd_port=9, sentry_dsn=None
    )


def test_the_api_is_alive_but_not_ready_when_its_database_is_unreachable() -> None:
    client = create_app(_settings(UNREACHABLE)).test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json is not None
    assert ready.json["checks"] == {"database": "failing"}


def test_settings_refuse_the_dev_database_password_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKWIRE_ENV", "production")
    monkeypatch.delenv("TASK_API_DATABASE_URL", raising=False)
    with pytest.raises(SettingsError):
        Settings.from_env()
