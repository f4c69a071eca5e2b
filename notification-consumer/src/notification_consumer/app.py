"""The notification read API's application factory: builds the engine, the token validator
and the use case, and wires the layers."""

from flask import Flask

from notification_consumer.api import notifications, preferences
from notification_consumer.api.errors import register_domain_errors
from notification_consumer.db.unit_of_work import SqlUnitOfWork
from notification_consumer.domain.errors import InvalidCursor
from notification_consumer.service.notifications import NotificationService
from notification_consumer.service.preferences import PreferenceService
from notification_consumer.settings import API_SERVICE, Settings
from taskwire_auth import install_token_check
from taskwire_observability import Metrics, configure_logging, instrument
from taskwire_observability.openapi import openapi_config, swagger_ui_assets
from taskwire_observability.problem_api import ProblemApi
from taskwire_sql import CursorCodec, ping, request_engine

# Under /notifications, so that the gateway serves the spec and its UI with the API.
OPENAPI = openapi_config(
    "Taskwire notifications",
    "Notifications of the signed-in user, one per change of one of their tasks (Taskwire"
    " contract, section 4).",
    prefix="/notifications",
)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(API_SERVICE)
    app = Flask(__name__)
    app.config.update(OPENAPI)
    engine = request_engine(settings.database_url)
    metrics = Metrics(API_SERVICE, settings.statsd_host, settings.statsd_port)
    instrument(app, metrics, {"database": lambda: ping(engine)}, settings.sentry_dsn)
    install_token_check(
        app, settings.jwks_url, settings.issuer, settings.audience, settings.kafka_bootstrap
    )
    app.extensions["notification_service"] = NotificationService(
        lambda: SqlUnitOfWork(engine), CursorCodec(settings.cursor_secret, InvalidCursor)
    )
    api = ProblemApi(app)
    app.extensions["preference_service"] = PreferenceService(lambda: SqlUnitOfWork(engine))
    api.register_blueprint(notifications.blp)
    api.register_blueprint(preferences.blp)
    app.register_blueprint(swagger_ui_assets(prefix="/notifications"))
    register_domain_errors(app)
    metrics.start_heartbeat()
    app.extensions["engine"] = engine
    return app
