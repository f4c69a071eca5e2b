"""Requests from a chosen loopback address: the whole of 127.0.0.0/8 is this machine, and the
facade limits logins and sign-ups per address, so a test that needs its own allowance takes an
address of its own."""

import secrets
from typing import Any

import requests
from requests.adapters import HTTPAdapter


class SourceAddressAdapter(HTTPAdapter):
    """Connects from one local address."""

    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


def fresh_address() -> str:
    """A random address of 127.100.0.1-127.254.255.254, well away from 127.0.0.1."""
    second, third, fourth = (
        100 + secrets.randbelow(155),
        secrets.randbelow(256),
        secrets.randbelow(254),
    )
    return f"127.{second}.{third}.{1 + fourth}"


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(address))
    return session
