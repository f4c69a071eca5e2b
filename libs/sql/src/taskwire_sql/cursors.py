"""Keyset pages: opaque, tamper-evident cursors bound to the query they continue, and the one
way a page is cut from the `limit + 1` rows a repository fetched."""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

_MAC_BYTES = 16
Row = TypeVar("Row")


@dataclass(frozen=True)
class Position:
    """Where a page continues: the sort key and id of the previous page's last row; `key` is
    None where that row has no value to sort by (a task without a due date)."""

    key: datetime | None
    id: UUID


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: list[Row]
    next_cursor: str | None


class CursorCodec:
    """`base64url(HMAC-SHA256(secret, fingerprint ‖ position)[:16] ‖ position)`. The fingerprint
    names the query (owner, filters, order), so a cursor of another query or user is refused;
    every refusal raises `invalid`, one of the service's own domain errors."""

    def __init__(self, secret: str, invalid: type[Exception]) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()
        self._invalid = invalid

    def encode(self, fingerprint: str, position: Position) -> str:
        body = json.dumps(
            {"k": position.key.isoformat() if position.key else None, "i": str(position.id)},
            separators=(",", ":"),
        ).encode()
        mac = self._mac(fingerprint, body)
        return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")

    def decode(self, fingerprint: str, cursor: str) -> Position:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise self._invalid("not a cursor") from None
        mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(fingerprint, body)):
            raise self._invalid("this cursor does not belong to this query")
        try:
            fields = json.loads(body)
            key = datetime.fromisoformat(fields["k"]) if fields["k"] is not None else None
            if key is not None and key.tzinfo is None:
                raise ValueError("naive timestamp")  # it could not be compared with timestamptz
            return Position(key=key, id=UUID(fields["i"]))
        except (ValueError, KeyError, TypeError):
            raise self._invalid("not a cursor") from None

    def page(
        self,
        fingerprint: str,
        found: Sequence[Row],
        limit: int,
        position_of: Callable[[Row], Position],
    ) -> Page[Row]:
        """The first `limit` of `found` (fetched `limit + 1`: the extra row says a next page
        exists), with the cursor to the next page, continuing after the last row kept."""
        items = list(found[:limit])
        if len(found) <= limit:
            return Page(items, None)
        return Page(items, self.encode(fingerprint, position_of(items[-1])))

    def _mac(self, fingerprint: str, body: bytes) -> bytes:
        message = fingerprint.encode() + b"\x00" + body
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC_BYTES]
