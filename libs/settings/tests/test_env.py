"""Settings refuse missing values and dev-only secrets outside development."""

import pytest

from taskwire_settings.env import SettingsError, setting


def test_the_dev_default_applies_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TASKWIRE_ENV", raising=False)
    monkeypatch.delenv("SOME_SECRET", raising=False)
    assert setting("SOME_SECRET", "dev-only-secret") == "dev-only-secret"


def test_a_missing_setting_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKWIRE_ENV", "production")
    monkeypatch.delenv("SOME_SECRET", raising=False)
    with pytest.raises(SettingsError, match="SOME_SECRET is not set"):
        setting("SOME_SECRET", "dev-only-secret")


def test_a_dev_only_value_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKWIRE_ENV", "production")
    monkeypatch.setenv("SOME_SECRET", "postgresql://u:x-dev-only-password@db/tasks")
    with pytest.raises(SettingsError, match="dev-only default"):
        setting("SOME_SECRET")


def test_a_real_value_is_accepted_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKWIRE_ENV", "production")
    monkeypatch.setenv("SOME_SECRET", "s3cr3t-from-the-vault")
    assert setting("SOME_SECRET") == "s3cr3t-from-the-vault"
