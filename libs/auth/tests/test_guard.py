"""The token check an API that serves resources installs: bearer tokens only, and the
revocations followed from Kafka when there is a Kafka to follow."""

from collections.abc import Iterator

import pytest
from flask import Flask

from taskwire_auth import RevocationFollower, authenticated, install_token_check
from taskwire_events.kafka_clients import KafkaClients

ISSUER = "http://localhost:8180/realms/taskwire"
NOWHERE = "http://127.0.0.1:1/certs"


def _app(kafka: KafkaClients | None) -> Flask:
    app = Flask("under_test")
    install_token_check(app, NOWHERE, ISSUER, "task-api", kafka)

    @app.get("/mine")
    @authenticated()
    def mine() -> str:
        return "yours"

    return app


def test_a_request_without_a_bearer_token_is_a_401_challenge() -> None:
    response = _app(kafka=None).test_client().get("/mine")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="taskwire"')


def test_a_token_the_realms_keys_cannot_check_is_refused() -> None:
    response = (
        _app(kafka=None).test_client().get("/mine", headers={"Authorization": "Bearer abc.def.ghi"})
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_without_kafka_no_revocation_is_followed() -> None:
    assert "revocations" not in _app(kafka=None).extensions


@pytest.fixture
def followed() -> Iterator[Flask]:
    app = _app(kafka=KafkaClients("127.0.0.1:1", "task-api", "unused"))
    yield app
    app.extensions["revocations"].stop()


def test_with_kafka_a_revocation_follower_runs_beside_the_api(followed: Flask) -> None:
    # Kafka is away here: the follower keeps retrying while the API answers.
    follower = followed.extensions["revocations"]
    assert isinstance(follower, RevocationFollower)
    assert followed.test_client().get("/mine").status_code == 401
