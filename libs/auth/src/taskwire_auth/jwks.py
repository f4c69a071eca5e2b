"""The realm's signing keys, cached; refetched on an unknown `kid` at most every few seconds."""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

log = logging.getLogger(__name__)
Fetch = Callable[[], dict[str, Any]]


class UnknownKey(LookupError):
    """No key of the realm has this `kid`, even after a refetch."""


class JwksCache:
    """Keys by `kid`. A refetch replaces the set only when it succeeds, so Keycloak being down
    never invalidates keys already known; unknown `kid`s cannot make it fetch more than once per
    `min_refetch_seconds`, so forged tokens cannot hammer Keycloak."""

    def __init__(
        self, fetch: Fetch, max_age_seconds: float = 600, min_refetch_seconds: float = 10
    ) -> None:
        self._fetch = fetch
        self._max_age = max_age_seconds
        self._min_refetch = min_refetch_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, timeout: float = 3.0) -> "JwksCache":
        session = requests.Session()

        def fetch() -> dict[str, Any]:
            response = session.get(url, timeout=timeout)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document

        return cls(fetch)

    def key(self, kid: str) -> Any:
        age = time.monotonic() - self._fetched_at
        if kid not in self._keys or age > self._max_age:
            self._refresh(kid)
        try:
            return self._keys[kid]
        except KeyError:
            raise UnknownKey(kid) from None

    def _refresh(self, kid: str) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._fetched_at < self._min_refetch:
                return  # another thread just refetched, or a refetch is rate-limited
            try:
                document = self._fetch()
            except Exception as error:  # a failed refetch keeps the keys we had
                log.warning("JWKS refetch failed", extra={"kid": kid, "error": repr(error)})
                self._fetched_at = now
                return
            keys = {}
            for jwk in document.get("keys", []):
                if jwk.get("use", "sig") == "sig" and jwk.get("kty") == "RSA" and "kid" in jwk:
                    keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256").key
            self._keys = keys
            self._fetched_at = now
