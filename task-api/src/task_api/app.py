"""The task-api application factory: builds every engine and client, and wires the layers."""

from flask import Flask

from task_api.api import admin, tasks
from task_api.api.errors import register_domain_errors
from task_api.db.unit_of_work import SqlUnitOfWork
from task_api.domain.errors import InvalidCursor
from task_api.service.tasks import TaskService
from task_api.settings import SERVICE, Settings
from taskwire_auth import install_token_check
from taskwire_observability import Metrics, configure_logging
from taskwire_sql import CursorCodec, ping, request_engine
from taskwire_web import instrument
from taskwire_web.openapi import openapi_config, swagger_ui_assets
from taskwire_web.problem_api import ProblemApi

MAX_BODY_BYTES = 1024 * 1024
OPENAPI = openapi_config(
    "Taskwire tasks", "Tasks of the signed-in user (Taskwire contract, section 3).", prefix=""
)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(SERVICE)
    app = Flask(__name__)
    app.config.update(OPENAPI, MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    engine = request_engine(settings.database_url)
    metrics = Metrics(SERVICE, settings.statsd_host, settings.statsd_port)
    instrument(app, metrics, {"database": lambda: ping(engine)}, settings.sentry_dsn)
    install_token_check(
        app,
        settings.jwks_url,
        settings.issuer,
        settings.audience,
        settings.kafka,
    )
    app.extensions["task_service"] = TaskService(
        lambda: SqlUnitOfWork(engine), CursorCodec(settings.cursor_secret, InvalidCursor)
    )
    api = ProblemApi(app)
    api.register_blueprint(tasks.blp)
    api.register_blueprint(admin.blp)
    app.register_blueprint(swagger_ui_assets(prefix=""))
    register_domain_errors(app)
    metrics.start_heartbeat()
    return app
