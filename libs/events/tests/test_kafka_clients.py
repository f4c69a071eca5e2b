"""A Kafka login: one password variable per principal, dev-only defaults refused elsewhere."""

import pytest

from taskwire_events.kafka_clients import KafkaClients
from taskwire_settings.env import SettingsError


def test_a_principal_reads_its_own_password_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:19092")
    monkeypatch.setenv("NOTIFICATION_WORKER_KAFKA_PASSWORD", "s3cret")
    login = KafkaClients.from_env("notification-worker")
    assert login == KafkaClients("kafka:19092", "notification-worker", "s3cret")
    assert "s3cret" not in repr(login)


def test_the_client_options_ask_for_scram_over_sasl() -> None:
    options = KafkaClients("a:1, b:2", "relay", "pw").connection()
    assert options == {
        "bootstrap_servers": ["a:1", "b:2"],
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "relay",
        "sasl_plain_password": "pw",
    }


def test_development_gets_a_marked_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELAY_KAFKA_PASSWORD", raising=False)
    monkeypatch.setenv("TASKWIRE_ENV", "development")
    assert KafkaClients.from_env("relay").password == "relay-kafka-dev-only-password"


def test_outside_development_the_password_must_be_set_and_not_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKWIRE_ENV", "production")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:19092")
    monkeypatch.delenv("RELAY_KAFKA_PASSWORD", raising=False)
    with pytest.raises(SettingsError, match="RELAY_KAFKA_PASSWORD is not set"):
        KafkaClients.from_env("relay")
    monkeypatch.setenv("RELAY_KAFKA_PASSWORD", "relay-kafka-dev-only-password")
    with pytest.raises(SettingsError, match="dev-only default"):
        KafkaClients.from_env("relay")
