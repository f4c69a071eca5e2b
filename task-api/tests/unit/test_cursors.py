"""Cursors: opaque, bound to their query, and refused when forged or damaged."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from task_api.domain.errors import InvalidCursor
from task_api.domain.listing import Position
from task_api.service.cursors import CursorCodec

CODEC = CursorCodec("secret")


def test_a_cursor_round_trips_its_position() -> None:
    position = Position(datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), uuid4())
    assert CODEC.decode("query", CODEC.encode("query", position)) == position


def test_a_position_without_a_due_date_round_trips() -> None:
    position = Position(None, uuid4())
    assert CODEC.decode("query", CODEC.encode("query", position)) == position


@pytest.mark.parametrize("garbage", ["", "!!!", "AAAA", "x" * 300, "eyJrIjpudWxsfQ"])
def test_garbage_is_an_invalid_cursor(garbage: str) -> None:
    with pytest.raises(InvalidCursor):
        CODEC.decode("query", garbage)


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    cursor = CursorCodec("other").encode("query", Position(None, uuid4()))
    with pytest.raises(InvalidCursor):
        CODEC.decode("query", cursor)
