"""The user directory: an owner's e-mail address, name and time zone (the user attribute
`zoneinfo`) from Keycloak's admin API, cached.

The service account of the confidential client `notification-consumer` holds only the
realm-management role `view-users`. Addresses are cached for a few minutes (an address change
applies within that time); unknown users for a shorter time.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import requests

from notification_consumer.domain.emails import Recipient
from notification_consumer.domain.errors import DirectoryUnavailable, NoEmailAddress


@dataclass(frozen=True)
class _Entry:
    recipient: Recipient | None
    reason: str  # why there is no address, when there is none
    expires: float


class KeycloakDirectory:
    """Shared by the dispatcher threads: one look-up at a time (the cache answers almost all)."""

    def __init__(
        self,
        keycloak_url: str,
        realm: str,
        client_id: str,
        client_secret: str,
        ttl_seconds: float = 300,
        unknown_ttl_seconds: float = 60,
        max_entries: int = 10_000,
        timeout_seconds: float = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        base = keycloak_url.rstrip("/")
        self._realm_url = f"{base}/realms/{realm}"
        self._users_url = f"{base}/admin/realms/{realm}/users"
        self._client = (client_id, client_secret)
        self._ttl = ttl_seconds
        self._unknown_ttl = unknown_ttl_seconds
        self._max_entries = max_entries
        self._timeout = timeout_seconds
        self._now = clock
        self._session = requests.Session()
        self._cache: OrderedDict[UUID, _Entry] = OrderedDict()
        self._token: str | None = None
        self._token_expires = float("-inf")
        self._lock = threading.Lock()

    def recipient_of(self, owner_id: UUID) -> Recipient:
        with self._lock:
            entry = self._cache.get(owner_id)
            if entry is None or entry.expires <= self._now():
                entry = self._look_up(owner_id)
                self._cache[owner_id] = entry
                self._cache.move_to_end(owner_id)
                while len(self._cache) > self._max_entries:
                    self._cache.popitem(last=False)
        if entry.recipient is None:
            raise NoEmailAddress(entry.reason)
        return entry.recipient

    def check(self) -> None:
        """Readiness: the realm answers (no token spent)."""
        response = self._session.get(self._realm_url, timeout=2)
        response.raise_for_status()

    def _look_up(self, owner_id: UUID) -> _Entry:
        user = self._user(owner_id)
        if user is None:
            return self._missing("the owner is not a user of the realm")
        if not user.get("enabled", True):
            return self._missing("the owner's account is disabled")
        address = user.get("email")
        if not isinstance(address, str) or "@" not in address:
            return self._missing("the owner has no e-mail address")
        recipient = Recipient(address, _name(user), _attribute(user, "zoneinfo"))
        return _Entry(recipient, "", self._now() + self._ttl)

    def _missing(self, reason: str) -> _Entry:
        return _Entry(None, reason, self._now() + self._unknown_ttl)

    def _user(self, owner_id: UUID) -> dict[str, Any] | None:
        for renew in (False, True):
            try:
                response = self._session.get(
                    f"{self._users_url}/{owner_id}",
                    headers={"Authorization": f"Bearer {self._access_token(renew)}"},
                    timeout=self._timeout,
                )
            except requests.RequestException as error:
                raise DirectoryUnavailable(repr(error)) from error
            if response.status_code == 401 and not renew:
                continue  # the token expired or was revoked early: one fresh token
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise DirectoryUnavailable(f"Keycloak answered {response.status_code}")
            user: dict[str, Any] = response.json()
            return user
        raise DirectoryUnavailable("Keycloak refused a fresh token of the client")

    def _access_token(self, renew: bool) -> str:
        if renew or self._token is None or self._token_expires <= self._now():
            try:
                response = self._session.post(
                    f"{self._realm_url}/protocol/openid-connect/token",
                    data={"grant_type": "client_credentials"},
                    auth=self._client,
                    timeout=self._timeout,
                )
            except requests.RequestException as error:
                raise DirectoryUnavailable(repr(error)) from error
            if response.status_code != 200:
                raise DirectoryUnavailable(f"token endpoint answered {response.status_code}")
            body = response.json()
            self._token = str(body["access_token"])
            # Renewed a little early, so that a token never expires on its way to Keycloak.
            self._token_expires = self._now() + max(float(body.get("expires_in", 60)) - 15, 5)
        return self._token


def _name(user: dict[str, Any]) -> str:
    parts = (user.get("firstName"), user.get("lastName"))
    return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def _attribute(user: dict[str, Any], name: str) -> str | None:
    """A user attribute's first value; Keycloak keeps attributes as lists of strings."""
    attributes = user.get("attributes")
    values = attributes.get(name) if isinstance(attributes, dict) else None
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return None
