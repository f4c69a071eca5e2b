"""The user-facade application factory: builds every client, and wires the layers."""

import logging

import requests
from flask import Flask

from taskwire_auth import LogoutTokenValidator, install_token_check
from taskwire_observability import Metrics, configure_logging
from taskwire_web import instrument
from taskwire_web.openapi import openapi_config, swagger_ui_assets
from taskwire_web.problem_api import ProblemApi
from user_facade.adapters.keycloak import KeycloakIdentityProvider, KeycloakTimeouts
from user_facade.adapters.rate_limits import Rate, SqliteRateLimiter
from user_facade.adapters.revocations import KafkaRevocationPublisher
from user_facade.api import auth
from user_facade.api.addresses import networks
from user_facade.api.body_limit import DrainOversizeBodies
from user_facade.api.errors import register_domain_errors
from user_facade.service.identity import IdentityService
from user_facade.settings import SERVICE, Settings

# The gateway refuses bodies over this limit under /auth itself (gateway/templates: the same
# number); a direct caller's oversize body is read to the end before the 413, up to the
# gateway's overall limit.
MAX_BODY_BYTES = 64 * 1024
DRAIN_BODY_BYTES = 1024 * 1024
OPENAPI = openapi_config(
    "Taskwire identity",
    "Sign-up, login, refresh, logout (Taskwire contract, section 2).",
    prefix="/auth",
    secured=False,  # only /auth/me takes a token, and its operation says so
)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(SERVICE)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    app = Flask(__name__)
    app.config.update(OPENAPI, MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    metrics = Metrics(SERVICE, settings.statsd_host, settings.statsd_port)
    session = requests.Session()
    discovery = f"{settings.realm_url}/.well-known/openid-configuration"

    def keycloak() -> None:
        session.get(discovery, timeout=2).raise_for_status()

    instrument(app, metrics, {"keycloak": keycloak}, settings.sentry_dsn)

    tokens = install_token_check(
        app,
        settings.jwks_url,
        settings.issuer,
        settings.access_audience,
        settings.kafka,
    )
    publisher = KafkaRevocationPublisher(settings.kafka, tokens.revoked)
    provider = KeycloakIdentityProvider(
        settings.keycloak_url,
        settings.realm,
        settings.client_id,
        settings.admin_client_id,
        settings.client_secret,
        KeycloakTimeouts(
            connect_seconds=settings.keycloak_connect_timeout_seconds,
            read_seconds=settings.keycloak_read_timeout_seconds,
            connect_retries=settings.keycloak_connect_retries,
        ),
    )
    limits = settings.rate_limit_path()
    app.extensions["identity_service"] = IdentityService(
        provider,
        publisher,
        signup_limit=SqliteRateLimiter(limits, "signup", Rate.parse(settings.signup_rate)),
        login_limit=SqliteRateLimiter(limits, "login", Rate.parse(settings.login_rate)),
        revocation_ttl_seconds=settings.revocation_ttl_seconds,
    )
    app.extensions["logout_tokens"] = LogoutTokenValidator(
        tokens.keys, settings.issuer, (settings.client_id, settings.browser_client_id)
    )
    app.extensions["trusted_proxies"] = networks(settings.trusted_proxies)
    api = ProblemApi(app)
    api.register_blueprint(auth.blp)
    app.register_blueprint(swagger_ui_assets(prefix="/auth"))
    register_domain_errors(app, settings.retry_after_seconds)
    metrics.start_heartbeat()
    app.wsgi_app = DrainOversizeBodies(  # type: ignore[method-assign]
        app.wsgi_app, MAX_BODY_BYTES, DRAIN_BODY_BYTES
    )
    return app
