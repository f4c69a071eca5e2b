"""`/auth`: sign-up, login, refresh, logout and who am I (contract section 2)."""

from dataclasses import asdict
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from taskwire_auth import LogoutTokenValidator, authenticated, current_principal
from taskwire_web.problem_api import ProblemResponses
from user_facade.api.addresses import Network, client_address
from user_facade.api.schemas import (
    AccountSchema,
    LoginSchema,
    LogoutTokenSchema,
    MeSchema,
    RefreshTokenSchema,
    SignupSchema,
    TokensSchema,
)
from user_facade.domain.accounts import NewAccount, Tokens
from user_facade.service.identity import IdentityService

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Identity (Keycloak).")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}}
# Why each error status can happen, as the OpenAPI document tells it; a view may word it its way.
WHY = {
    400: "Not a valid logout token.",
    401: "No valid bearer token.",
    409: "Username or e-mail taken.",
    429: "Slow down.",
    503: "Keycloak down.",
}
documented = ProblemResponses(WHY, headers={429: RETRY_AFTER, 503: RETRY_AFTER})


def identity() -> IdentityService:
    service: IdentityService = current_app.extensions["identity_service"]
    return service


def caller() -> str:
    trusted: tuple[Network, ...] = current_app.extensions["trusted_proxies"]
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted)


def token_body(tokens: Tokens) -> tuple[dict[str, Any], int, dict[str, str]]:
    return asdict(tokens), 200, NO_STORE


@blp.route("/signup")
class Signup(MethodView):
    @blp.arguments(SignupSchema())
    @blp.response(201, AccountSchema)
    @documented(blp, 409, 429, 503)
    def post(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Create an account (realm role `user`); a password the policy refuses is a 422."""
        account = identity().sign_up(NewAccount(**fields), caller())
        return asdict(account)


@blp.route("/login")
class Login(MethodView):
    @blp.arguments(LoginSchema())
    @blp.response(200, TokensSchema)
    @documented(blp, 401, 429, 503, why={401: "Wrong credentials, any reason."})
    def post(self, credentials: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Log in with username (or e-mail) and password; get an access and a refresh token."""
        tokens = identity().log_in(credentials["username"], credentials["password"], caller())
        return token_body(tokens)


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshTokenSchema())
    @blp.response(200, TokensSchema)
    @documented(blp, 401, 503, why={401: "Invalid, expired or logged out."})
    def post(self, body: dict[str, str]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Trade a refresh token for new tokens; the old refresh token stops working."""
        return token_body(identity().refresh(body["refresh_token"]))


@blp.route("/logout")
class Logout(MethodView):
    @blp.arguments(RefreshTokenSchema())
    @blp.response(204)
    @documented(blp, 401, 503, why={401: "Invalid token."})
    def post(self, body: dict[str, str]) -> None:
        """End the session: its refresh token dies now, its access tokens within 2 seconds."""
        identity().log_out(body["refresh_token"])


@blp.route("/me")
class WhoAmI(MethodView):
    decorators = [authenticated()]

    @blp.response(200, MeSchema)
    @documented(blp, 401)
    @blp.doc(security=[{"bearer": []}])
    def get(self) -> dict[str, Any]:
        """Who the bearer token belongs to, and their realm roles."""
        return asdict(identity().who_am_i(current_principal()))


@blp.route("/backchannel-logout")
class BackchannelLogout(MethodView):
    @blp.arguments(LogoutTokenSchema(), location="form")
    @blp.response(200)
    @documented(blp, 400, 503, why={503: "Revocation not propagated."})
    def post(self, form: dict[str, str]) -> tuple[str, int, dict[str, str]]:
        """For Keycloak: OIDC back-channel logout; revokes the session on every API instance."""
        validator: LogoutTokenValidator = current_app.extensions["logout_tokens"]
        identity().end_session(validator.validate(form["logout_token"]))
        return "", 200, NO_STORE
