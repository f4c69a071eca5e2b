"""Cursors: opaque, bound to their query, and refused when forged or damaged."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from taskwire_sql import CursorCodec, Position


class InvalidCursor(Exception):
    """Stands for the domain error a service hands its codec."""


CODEC = CursorCodec("secret", InvalidCursor)


def test_a_cursor_round_trips_its_position() -> None:
    position = Position(datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), uuid4())
    assert CODEC.decode("query", CODEC.encode("query", position)) == position


def test_a_position_without_a_sort_key_round_trips() -> None:
    position = Position(None, uuid4())
    assert CODEC.decode("query", CODEC.encode("query", position)) == position


@pytest.mark.parametrize("garbage", ["", "!!!", "%%%", "AAAA", "x" * 300, "eyJrIjpudWxsfQ"])
def test_garbage_is_the_services_invalid_cursor(garbage: str) -> None:
    with pytest.raises(InvalidCursor):
        CODEC.decode("query", garbage)


def test_a_cursor_of_another_query_is_refused() -> None:
    cursor = CODEC.encode("alice's list", Position(None, uuid4()))
    with pytest.raises(InvalidCursor, match="does not belong"):
        CODEC.decode("bob's list", cursor)


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    cursor = CursorCodec("other", InvalidCursor).encode("query", Position(None, uuid4()))
    with pytest.raises(InvalidCursor, match="does not belong"):
        CODEC.decode("query", cursor)


def test_a_tampered_cursor_is_refused() -> None:
    cursor = CODEC.encode("query", Position(datetime(2026, 1, 2, tzinfo=UTC), uuid4()))
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    with pytest.raises(InvalidCursor):
        CODEC.decode("query", tampered)


def test_a_signed_position_with_a_naive_timestamp_is_refused() -> None:
    # Only a leaked secret could sign one; it could not be compared with a timestamptz column.
    body = f'{{"k":"2026-01-02T03:04:05","i":"{uuid4()}"}}'.encode()
    key = hashlib.sha256(b"secret").digest()
    mac = hmac.new(key, b"query\x00" + body, hashlib.sha256).digest()[:16]
    cursor = base64.urlsafe_b64encode(mac + body).decode().rstrip("=")
    with pytest.raises(InvalidCursor, match="not a cursor"):
        CODEC.decode("query", cursor)
