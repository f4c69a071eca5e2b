"""The user-facade application factory."""

import requests
from flask import Flask

from taskwire_observability import Metrics, configure_logging, instrument
from user_facade.settings import SERVICE, Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(SERVICE)
    app = Flask(__name__)
    metrics = Metrics(SERVICE, settings.statsd_host, settings.statsd_port)
    session = requests.Session()
    discovery = f"{settings.realm_url}/.well-known/openid-configuration"

    def keycloak() -> None:
        session.get(discovery, timeout=2).raise_for_status()

    instrument(app, metrics, {"keycloak": keycloak}, settings.sentry_dsn)
    metrics.start_heartbeat()
    return app
