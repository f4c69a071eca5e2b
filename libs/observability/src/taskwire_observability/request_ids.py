"""The request id that follows a change from the HTTP request to the notification."""

import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def accept_or_mint(incoming: str | None) -> str:
    """Keep a well-formed incoming id (the gateway sets one); mint a new one otherwise."""
    if incoming and _ACCEPTABLE.match(incoming):
        return incoming
    return uuid.uuid4().hex
