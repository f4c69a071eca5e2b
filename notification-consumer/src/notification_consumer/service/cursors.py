"""Opaque, tamper-evident page cursors bound to the owner whose list they continue."""

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from uuid import UUID

from notification_consumer.domain.errors import InvalidCursor
from notification_consumer.domain.listing import Position

_MAC_BYTES = 16


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def encode(self, fingerprint: str, position: Position) -> str:
        body = json.dumps(
            {"k": position.created_at.isoformat(), "i": str(position.id)}, separators=(",", ":")
        ).encode()
        mac = self._mac(fingerprint, body)
        return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")

    def decode(self, fingerprint: str, cursor: str) -> Position:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor("not a cursor") from None
        mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(fingerprint, body)):
            raise InvalidCursor("this cursor does not belong to this list")
        try:
            fields = json.loads(body)
            created_at = datetime.fromisoformat(fields["k"])
            if created_at.tzinfo is None:
                raise ValueError("naive timestamp")
            return Position(created_at=created_at, id=UUID(fields["i"]))
        except (ValueError, KeyError, TypeError):
            raise InvalidCursor("not a cursor") from None

    def _mac(self, fingerprint: str, body: bytes) -> bytes:
        message = fingerprint.encode() + b"\x00" + body
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC_BYTES]
