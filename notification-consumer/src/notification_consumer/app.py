"""The notification read API's application factory: builds the engine, the token validator
and the use case, and wires the layers."""

import logging
import os

from flask import Flask

from notification_consumer.adapters.pg_notify import PgListener
from notification_consumer.api import notifications, preferences, stream
from notification_consumer.api.errors import register_domain_errors
from notification_consumer.db.feed import CHANNEL
from notification_consumer.db.unit_of_work import SqlUnitOfWork
from notification_consumer.domain.errors import InvalidCursor
from notification_consumer.service.notifications import NotificationService
from notification_consumer.service.preferences import PreferenceService
from notification_consumer.service.stream import NotificationHub, StreamLimits
from notification_consumer.settings import API_SERVICE, ApiSettings
from taskwire_auth import install_token_check, token_validator
from taskwire_observability import Metrics, configure_logging
from taskwire_sql import CursorCodec, ping, request_engine
from taskwire_web import instrument
from taskwire_web.openapi import openapi_config, swagger_ui_assets
from taskwire_web.problem_api import ProblemApi

# Under /notifications, so that the gateway serves the spec and its UI with the API.
OPENAPI = openapi_config(
    "Taskwire notifications",
    "Notifications of the signed-in user, one per change of one of their tasks (Taskwire"
    " contract, section 4).",
    prefix="/notifications",
)


def create_app(settings: ApiSettings | None = None) -> Flask:
    settings = settings or ApiSettings.from_env()
    configure_logging(API_SERVICE)
    app = Flask(__name__)
    app.config.update(OPENAPI)
    engine = request_engine(settings.database_url)
    metrics = Metrics(API_SERVICE, settings.statsd_host, settings.statsd_port)
    instrument(app, metrics, {"database": lambda: ping(engine)}, settings.sentry_dsn)
    install_token_check(app, settings.jwks_url, settings.issuer, settings.audience, settings.kafka)
    app.extensions["notification_service"] = NotificationService(
        lambda: SqlUnitOfWork(engine), CursorCodec(settings.cursor_secret, InvalidCursor)
    )
    api = ProblemApi(app)
    app.extensions["preference_service"] = PreferenceService(lambda: SqlUnitOfWork(engine))
    api.register_blueprint(notifications.blp)
    api.register_blueprint(preferences.blp)
    api.register_blueprint(stream.blp)
    app.register_blueprint(swagger_ui_assets(prefix="/notifications"))
    register_domain_errors(app)
    metrics.start_heartbeat()
    # kafka-python's selector times its tasks by the wall clock; under gevent that clock
    # includes every other greenlet's turn, so its "blocking the event loop" warnings say
    # nothing about the revocation follower.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    # One feed poller per process, whatever the number of open streams; the gauge is per
    # process (each gunicorn worker reports its own).
    pid = os.getpid()
    app.extensions["notification_hub"] = NotificationHub(
        lambda: SqlUnitOfWork(engine),
        PgListener(settings.database_url, CHANNEL),
        token_validator(app).session_ended,
        StreamLimits(
            settings.streams_per_user, settings.streams_max, settings.stream_heartbeat_seconds
        ),
        on_count=lambda count: metrics.gauge("taskwire.notifications.streams", count, pid=pid),
    ).start()
    return app
