"""The task-api application factory."""

from flask import Flask
from sqlalchemy import Engine, create_engine, text

from task_api.settings import SERVICE, Settings
from taskwire_observability import Metrics, configure_logging, instrument


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(SERVICE)
    app = Flask(__name__)
    engine = create_engine(
        settings.database_url, pool_pre_ping=True, connect_args={"connect_timeout": 3}
    )
    metrics = Metrics(SERVICE, settings.statsd_host, settings.statsd_port)

    def database() -> None:
        _ping(engine)

    instrument(app, metrics, {"database": database}, settings.sentry_dsn)
    metrics.start_heartbeat()
    app.extensions["engine"] = engine
    return app


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
