"""task.due_soon, the reminder scheduler's event: its notification, its e-mail, its preference."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from notification_consumer.domain.emails import Recipient, email_for
from notification_consumer.domain.events import EventType, parse_event
from notification_consumer.domain.notifications import message_for, notification_for
from notification_consumer.domain.preferences import EmailPreferences

from .samples import cloud_event

NOW = datetime(2026, 11, 24, 12, 0, 1, tzinfo=UTC)


def due_soon(due_date: str) -> Any:
    return parse_event(json.dumps(cloud_event("task.due_soon", due_date=due_date)).encode())


def test_a_reminder_says_when_the_task_is_due() -> None:
    event = due_soon("2026-11-25T09:30:00+00:00")
    assert event.type is EventType.DUE_SOON
    assert message_for(event) == (
        "Your task \u201cWater the plants\u201d is due Wed 25 Nov 2026, 09:30 UTC."
    )


def test_a_reminder_sent_after_the_due_date_says_it_was_due() -> None:
    event = due_soon("2026-11-24T08:00:00+00:00")  # the event's time is 12:00 that day
    assert message_for(event) == (
        "Your task \u201cWater the plants\u201d was due Tue 24 Nov 2026, 08:00 UTC."
    )


def test_a_reminders_email_is_headed_due_soon_and_gives_the_due_date_in_the_owners_zone() -> None:
    event = due_soon("2026-11-25T09:30:00+00:00")
    notification = notification_for(event, UUID(int=1), NOW)
    email = email_for(
        notification,
        event,
        Recipient("alice@example.com", "Alice", "Europe/Berlin"),
        "Taskwire <no-reply@taskwire.example>",
        "taskwire.example",
        "http://localhost:8080",
    )
    assert email.subject == "[Taskwire] Task due soon: Water the plants"
    assert "Due: Wed 25 Nov 2026, 10:30 CET" in email.text
    assert "Wed 25 Nov 2026, 10:30 CET" in email.html
    assert ("X-Taskwire-Event-Type", "task.due_soon") in email.headers


def test_reminders_are_a_preference_type_on_by_default_and_can_be_turned_off() -> None:
    assert EmailPreferences().as_api()["email"]["task.due_soon"] is True
    off = EmailPreferences.of({EventType.DUE_SOON: False})
    assert not off.wants(EventType.DUE_SOON)
    assert off.wants(EventType.CREATED)
