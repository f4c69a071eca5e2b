"""The read API's factory: alive without its database, ready only with it."""

from notification_consumer.app import create_app
from notification_consumer.settings import Settings


def test_the_read_api_is_alive_but_not_ready_when_its_database_is_unreachable() -> None:
    settings = Settings(
        database_url="postgresql+psycopg2://nobody:nothing@127.0.0.1:1/x",
        statsd_host="127.0.0.1",
        statsd_port=9,
        sentry_dsn=None,
    )
    client = create_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json is not None
    assert ready.json["checks"] == {"database": "failing"}
