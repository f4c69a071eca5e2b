"""Parsing task events: what task-api publishes is understood; anything else is poison."""

import json
from uuid import UUID

import pytest

from notification_consumer.domain.errors import PoisonMessage
from notification_consumer.domain.events import parse_event
from taskwire_events import EventType

from .samples import OWNER, cloud_event


def encoded(event: object) -> bytes:
    return json.dumps(event).encode()


@pytest.mark.parametrize("event_type", [t.value for t in EventType])
def test_every_contract_event_type_is_understood(event_type: str) -> None:
    event = cloud_event(event_type, title="Pay rent", request_id="abc-1")
    parsed = parse_event(encoded(event))
    assert parsed.type.value == event_type
    assert parsed.id == UUID(event["id"])
    assert parsed.task_id == UUID(event["subject"])
    assert parsed.owner_id == OWNER
    assert parsed.title == "Pay rent"
    assert parsed.request_id == "abc-1"
    assert parsed.time.utcoffset() is not None


def test_a_request_id_of_an_unsafe_shape_is_dropped_not_carried_into_headers() -> None:
    event = cloud_event(request_id="evil\r\nBcc: everyone@example.test")
    assert parse_event(encoded(event)).request_id is None


def test_an_event_without_request_id_has_none() -> None:
    assert parse_event(encoded(cloud_event(request_id=None))).request_id is None


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"",
        b"\xff\xfe not utf-8",
        b"{not json",
        b"[1, 2]",
        b"[" * 100_000,
        encoded(cloud_event(specversion="0.3")),
        encoded(cloud_event("task.archived")),
        encoded(cloud_event(id="not-a-uuid")),
        encoded(cloud_event(subject="00000000-0000-7000-8000-000000000001")),
        encoded(cloud_event(time="yesterday")),
        encoded(cloud_event(time="2026-11-24T12:00:00")),
        encoded(cloud_event(data="a string")),
        encoded(cloud_event(title="   ")),
        encoded({k: v for k, v in cloud_event().items() if k != "time"}),
    ],
    ids=[
        "none",
        "empty",
        "not-utf8",
        "not-json",
        "not-an-object",
        "nested-too-deep",
        "old-specversion",
        "unknown-type",
        "bad-id",
        "subject-differs-from-data-id",
        "bad-time",
        "time-without-offset",
        "data-not-an-object",
        "blank-title",
        "no-time",
    ],
)
def test_what_cannot_be_acted_on_is_poison(value: bytes | None) -> None:
    with pytest.raises(PoisonMessage):
        parse_event(value)


def test_an_owner_id_that_is_not_a_uuid_is_poison() -> None:
    event = cloud_event()
    event["data"]["owner_id"] = "alice"
    with pytest.raises(PoisonMessage, match="owner_id"):
        parse_event(encoded(event))
