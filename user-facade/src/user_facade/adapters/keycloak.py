"""Keycloak through python-keycloak: the admin API for sign-up, the token endpoint for the rest.

Every call has a timeout; connection failures (nothing reached Keycloak) are retried a bounded
number of times, read timeouts never (the request may have been processed). Keycloak's answers
become the errors of `domain.errors`; anything unexpected is `IdentityProviderUnavailable`.
"""

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import jwt
import requests
from keycloak import KeycloakAdmin, KeycloakOpenID, KeycloakOpenIDConnection
from keycloak.connection import ConnectionManager
from keycloak.exceptions import (
    KeycloakConnectionError,
    KeycloakError,
    KeycloakPostError,
    raise_error_from_response,
)
from keycloak.urls_patterns import URL_INTROSPECT

from user_facade.domain.accounts import Account, EndedSession, NewAccount, Tokens
from user_facade.domain.errors import (
    EmailTaken,
    IdentityProviderUnavailable,
    InvalidCredentials,
    InvalidRefreshToken,
    SignupRejected,
    UsernameTaken,
)

T = TypeVar("T")
# The realm's default scopes, named because python-keycloak always sends `scope`. No `openid`:
# nobody here reads an ID token, so Keycloak need not sign one per login.
LOGIN_SCOPE = "profile email"
log = logging.getLogger(__name__)

# User-profile attribute names as the API spells them.
_FIELDS = {"firstName": "first_name", "lastName": "last_name"}
# The user-profile validators' message keys, in words (Keycloak returns keys, not sentences).
_MESSAGES = {
    "error-invalid-email": "Not a valid e-mail address.",
    "error-invalid-length": "Wrong length.",
    "error-user-attribute-required": "Required.",
    "error-username-invalid-character": "Contains a character that a username cannot have.",
    "error-person-name-invalid-character": "Contains a character that a name cannot have.",
    "error-invalid-value": "Not a valid value.",
    "error-invalid-blank": "Must not be blank.",
}


@dataclass(frozen=True)
class KeycloakTimeouts:
    connect_seconds: float = 1.0
    read_seconds: float = 5.0
    connect_retries: int = 2  # further attempts after a connection failure
    retry_backoff_seconds: float = 0.2


class KeycloakIdentityProvider:
    """Implements `service.ports.IdentityProvider`. Thread-safe: python-keycloak's clients
    mutate their own headers per call, so each thread gets its own pair."""

    def __init__(
        self,
        server_url: str,
        realm: str,
        client_id: str,
        admin_client_id: str,
        client_secret: str,
        timeouts: KeycloakTimeouts | None = None,
    ) -> None:
        self._server_url = server_url.rstrip("/") + "/"
        self._realm = realm
        # Two confidential clients of the facade with one secret: `client_id` at the token
        # endpoint (its tokens are for task-api), `admin_client_id`'s service account for the
        # admin API (its tokens are for nobody else).
        self._client_id = client_id
        self._admin_client_id = admin_client_id
        self._client_secret = client_secret
        self._timeouts = timeouts or KeycloakTimeouts()
        self._local = threading.local()

    # --- the port -----------------------------------------------------------------------

    def create_user(self, account: NewAccount) -> Account:
        payload: dict[str, Any] = {
            "username": account.username,
            "email": account.email,
            "enabled": True,
            "emailVerified": False,
            "requiredActions": [],
            "credentials": [{"type": "password", "value": account.password, "temporary": False}],
        }
        # Sent when given, so that a realm requiring them (VERIFY_PROFILE) finds them set.
        if account.first_name:
            payload["firstName"] = account.first_name
        if account.last_name:
            payload["lastName"] = account.last_name
        try:
            user_id = self._call(lambda: self._admin().create_user(payload, exist_ok=False))
        except KeycloakError as error:
            raise _signup_error(error) from None
        # Keycloak stores usernames and e-mail addresses in lower case.
        return Account(
            id=str(user_id), username=account.username.lower(), email=account.email.lower()
        )

    def password_grant(self, username: str, password: str) -> Tokens:
        try:
            answer = self._call(lambda: self._openid().token(username, password, scope=LOGIN_SCOPE))
        except KeycloakError as error:
            if _is_invalid_grant(error):
                # Wrong password, unknown user, locked or disabled: Keycloak says why only here.
                log.info("password grant refused", extra={"reason": _description(error)})
                raise InvalidCredentials() from None
            raise _unavailable("password grant", error) from None
        return _tokens(answer)

    def refresh(self, refresh_token: str) -> Tokens:
        _unverified_claims(refresh_token)  # not even shaped like a refresh token: no call
        try:
            answer = self._call(lambda: self._openid().refresh_token(refresh_token))
        except KeycloakError as error:
            if _refuses_the_token(error):
                raise InvalidRefreshToken() from None
            raise _unavailable("refresh", error) from None
        return _tokens(answer)

    def end_session(self, refresh_token: str) -> EndedSession:
        claims = _unverified_claims(refresh_token)
        # Keycloak's logout endpoint answers 204 for a token whose session has already ended:
        # ask first whether it is still alive (introspection checks signature, expiry, session).
        if not self._is_active(refresh_token):
            raise InvalidRefreshToken()
        try:
            self._call(lambda: self._openid().logout(refresh_token))
        except KeycloakError as error:
            if _refuses_the_token(error):
                raise InvalidRefreshToken() from None
            raise _unavailable("logout", error) from None
        # Keycloak checked the token's signature and accepted it: its claims are now trusted.
        return EndedSession(session_id=_claim(claims, "sid"), subject=_claim(claims, "sub"))

    def _is_active(self, refresh_token: str) -> bool:
        try:
            answer = self._call(lambda: self._introspect(refresh_token))
        except KeycloakError as error:
            if _refuses_the_token(error):
                return False
            raise _unavailable("introspect", error) from None
        return isinstance(answer, dict) and answer.get("active") is True

    def _introspect(self, refresh_token: str) -> Any:
        # Keycloak says `active: false` for a live refresh token unless told it is one, and
        # python-keycloak's `introspect` sends `token_type_hint` only for RPTs: posted here.
        openid = self._openid()
        payload = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "token": refresh_token,
            "token_type_hint": "refresh_token",
        }
        answer = openid.connection.raw_post(
            URL_INTROSPECT.format(**{"realm-name": self._realm}), data=payload
        )
        return raise_error_from_response(answer, KeycloakPostError)

    # --- plumbing -----------------------------------------------------------------------

    def _timeout(self) -> int:
        # requests takes (connect, read); python-keycloak passes its `timeout` through as is.
        return cast(int, (self._timeouts.connect_seconds, self._timeouts.read_seconds))

    def _openid(self) -> KeycloakOpenID:
        """The facade's confidential client at the token endpoint: password grant, refresh,
        introspection, logout. Direct grants are off for every public client of the realm, so
        only a caller holding this client's secret can trade a password for tokens."""
        client: KeycloakOpenID | None = getattr(self._local, "openid", None)
        if client is None:
            client = KeycloakOpenID(
                server_url=self._server_url,
                realm_name=self._realm,
                client_id=self._client_id,
                client_secret_key=self._client_secret,
                timeout=self._timeout(),
                max_retries=0,
            )
            _skip_proxy_lookups(client.connection)
            self._local.openid = client
        return client

    def _admin(self) -> KeycloakAdmin:
        admin: KeycloakAdmin | None = getattr(self._local, "admin", None)
        if admin is None:
            connection = KeycloakOpenIDConnection(
                server_url=self._server_url,
                realm_name=self._realm,
                user_realm_name=self._realm,
                client_id=self._admin_client_id,
                client_secret_key=self._client_secret,
                grant_type="client_credentials",
                timeout=self._timeout(),
                max_retries=0,
            )
            _skip_proxy_lookups(connection)
            admin = KeycloakAdmin(connection=connection)
            self._local.admin = admin
        return admin

    def _call(self, operation: Callable[[], T]) -> T:
        attempts = 1 + self._timeouts.connect_retries
        for attempt in range(1, attempts + 1):
            try:
                return operation()
            except KeycloakConnectionError as error:
                if not _never_reached_keycloak(error) or attempt == attempts:
                    raise IdentityProviderUnavailable(str(error.__cause__ or error)) from None
                time.sleep(self._timeouts.retry_backoff_seconds * attempt)
            except KeycloakError as error:
                if (error.response_code or 0) >= 500:
                    raise _unavailable("keycloak", error) from None
                raise
        raise AssertionError("unreachable")  # pragma: no cover


def _skip_proxy_lookups(connection: ConnectionManager) -> None:
    # requests reads proxy and netrc settings from the environment on every call (~0.2 ms of
    # CPU per login); Keycloak is reached directly.
    connection._s.trust_env = False


def _never_reached_keycloak(error: KeycloakConnectionError) -> bool:
    cause = error.__cause__
    return isinstance(cause, requests.ConnectionError) and not isinstance(
        cause, requests.ReadTimeout
    )


def _tokens(answer: dict[str, Any]) -> Tokens:
    try:
        return Tokens(
            access_token=str(answer["access_token"]),
            refresh_token=str(answer["refresh_token"]),
            expires_in=int(answer["expires_in"]),
            refresh_expires_in=int(answer["refresh_expires_in"]),
        )
    except (KeyError, TypeError, ValueError):
        raise IdentityProviderUnavailable("unexpected token response") from None


def _unverified_claims(token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidRefreshToken() from None
    if claims.get("typ") not in ("Refresh", "Offline"):
        raise InvalidRefreshToken()
    return claims


def _claim(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return str(value) if value else None


def _body(error: KeycloakError) -> dict[str, Any]:
    try:
        parsed = json.loads(error.response_body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _description(error: KeycloakError) -> str:
    return str(_body(error).get("error_description") or "")


def _is_invalid_grant(error: KeycloakError) -> bool:
    return error.response_code in (400, 401) and _body(error).get("error") in (
        "invalid_grant",
        "invalid_token",
    )


def _refuses_the_token(error: KeycloakError) -> bool:
    """At the refresh and logout endpoints the token is the caller's only input: any 400 is
    Keycloak refusing it (invalid_grant, or invalid_request for one it cannot parse)."""
    return _is_invalid_grant(error) or (
        error.response_code == 400 and _body(error).get("error") == "invalid_request"
    )


def _unavailable(what: str, error: KeycloakError) -> IdentityProviderUnavailable:
    log.error(
        "unexpected answer from Keycloak",
        extra={"call": what, "status": error.response_code, "body": _body(error)},
    )
    return IdentityProviderUnavailable(f"{what}: {error.response_code}")


def _signup_error(error: KeycloakError) -> Exception:
    body = _body(error)
    if error.response_code == 409:
        message = str(body.get("errorMessage", ""))
        if "email" in message.lower():
            return EmailTaken()
        return UsernameTaken()
    if error.response_code == 400:
        errors: dict[str, list[str]] = {}
        if str(body.get("error", "")).startswith("invalidPassword"):
            # The password policy's own sentence, e.g. "Invalid password: minimum length 8."
            errors["password"] = [str(body.get("error_description") or "Rejected.")]
        for item in body.get("errors") or [body]:
            field = item.get("field")
            if field:
                key = str(item.get("errorMessage", ""))
                errors.setdefault(_FIELDS.get(field, field), []).append(_MESSAGES.get(key, key))
        if errors:
            return SignupRejected(errors)
    return _unavailable("create user", error)
