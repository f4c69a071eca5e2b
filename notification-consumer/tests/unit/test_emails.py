"""The e-mail of a notification, and how long a refused one waits before the next try."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from notification_consumer.adapters.smtp import wire_format
from notification_consumer.domain.emails import RetryPolicy, email_for
from notification_consumer.domain.events import parse_event
from notification_consumer.domain.notifications import Notification, notification_for

from .samples import cloud_event

NOW = datetime(2026, 11, 24, 12, 0, 1, tzinfo=UTC)
SENDER = "Taskwire <notifications@taskwire.example>"


def notification(**fields: Any) -> Notification:
    event = parse_event(json.dumps(cloud_event(**fields)).encode())
    return notification_for(event, UUID(int=1), NOW)


def test_the_email_carries_the_event_and_request_ids_and_a_stable_message_id() -> None:
    n = notification(event_type="task.completed", status="done", title="Ship it")
    mail = email_for(n, "alice@example.test", SENDER, "notifications.taskwire.example")
    assert mail.recipient == "alice@example.test"
    assert mail.subject == "[Taskwire] Task completed: Ship it"
    assert n.message in mail.body
    headers = dict(mail.headers)
    assert headers["X-Taskwire-Event-Id"] == str(n.event_id)
    assert headers["X-Request-ID"] == "req-123"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert mail.message_id == f"<{n.event_id}@notifications.taskwire.example>"
    assert email_for(n, "alice@example.test", SENDER, "notifications.taskwire.example") == mail


def test_without_a_request_id_there_is_no_request_id_header() -> None:
    mail = email_for(notification(request_id=None), "a@example.test", SENDER, "d.example")
    assert "X-Request-ID" not in dict(mail.headers)


def test_a_long_title_is_cut_in_the_subject_only() -> None:
    n = notification(title="x" * 200)
    mail = email_for(n, "a@example.test", SENDER, "d.example")
    assert len(mail.subject) <= len("[Taskwire] ") + 150
    assert "x" * 200 in mail.body


def test_on_the_wire_lines_end_in_crlf_leading_dots_are_doubled_and_a_dot_ends_it() -> None:
    n = notification(title="Ünïcode title")
    mail = email_for(n, "a@example.test", SENDER, "d.example")
    mail = type(mail)(**{**mail.__dict__, "body": "line one\n.hidden line\n"})
    data = wire_format(mail)
    assert data.endswith(b"\r\n.\r\n")
    assert b"\r\n..hidden line" in data
    assert b"\nX-Taskwire-Event-Id: " in data
    assert b"Subject: [Taskwire] Task created: =?utf-8?" in data
    assert b"\n\n" not in data.replace(b"\r\n", b"")


def test_retries_back_off_exponentially_up_to_a_cap_then_give_up() -> None:
    policy = RetryPolicy(
        max_attempts=8, first_delay=timedelta(seconds=1), max_delay=timedelta(seconds=30)
    )
    delays = [policy.delay_after(n) for n in range(1, 9)]
    assert delays[:7] == [timedelta(seconds=s) for s in (1, 2, 4, 8, 16, 30, 30)]
    assert delays[7] is None
