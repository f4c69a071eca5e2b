"""The event → notification mapping: one notification per event, in words a person reads."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from notification_consumer.domain.events import parse_event
from notification_consumer.domain.notifications import message_for, notification_for
from taskwire_events import EventType

from .samples import OWNER, cloud_event

NOW = datetime(2026, 11, 24, 12, 0, 1, tzinfo=UTC)
NOTIFICATION_ID = UUID("01935a3c-0000-7000-8000-000000000001")


def event_of(**fields: Any) -> bytes:
    return json.dumps(cloud_event(**fields)).encode()


@pytest.mark.parametrize(
    ("event_type", "status", "expected"),
    [
        ("task.created", "todo", "Your task \u201cWater the plants\u201d was created."),
        (
            "task.updated",
            "in_progress",
            "Your task \u201cWater the plants\u201d was updated. It is now in progress.",
        ),
        (
            "task.completed",
            "done",
            "Your task \u201cWater the plants\u201d was completed. Well done!",
        ),
        ("task.deleted", "todo", "Your task \u201cWater the plants\u201d was deleted."),
    ],
)
def test_each_event_type_reads_as_its_own_sentence(
    event_type: str, status: str, expected: str
) -> None:
    event = parse_event(event_of(event_type=event_type, status=status))
    assert message_for(event) == expected


def test_a_due_date_is_told_in_utc() -> None:
    event = parse_event(event_of(due_date="2026-12-01T18:30:00+01:00"))
    assert message_for(event).endswith("It is due Tue 01 Dec 2026, 17:30 UTC.")


def test_a_title_spanning_lines_stays_on_one_line() -> None:
    event = parse_event(event_of(title="Buy\nmilk\r\n  and  bread"))
    assert "\u201cBuy milk and bread\u201d" in message_for(event)


def test_the_notification_belongs_to_the_owner_and_tells_about_the_event() -> None:
    raw_event = cloud_event("task.completed", status="done", title="Ship it")
    event = parse_event(json.dumps(raw_event).encode())
    notification = notification_for(event, NOTIFICATION_ID, NOW)
    assert notification.owner_id == OWNER
    assert notification.request_id == "req-123"
    assert notification.as_api() == {
        "id": str(NOTIFICATION_ID),
        "event_id": raw_event["id"],
        "type": "task.completed",
        "task_id": raw_event["subject"],
        "title": "Ship it",
        "message": "Your task \u201cShip it\u201d was completed. Well done!",
        "created_at": "2026-11-24T12:00:01+00:00",
    }
    assert notification.type is EventType.COMPLETED
