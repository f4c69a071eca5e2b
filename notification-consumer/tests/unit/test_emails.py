"""The e-mail of a notification: its templates (escaping, time zones, what changed), its
headers and wire format, and how long a refused one waits before the next try."""

import email
import json
from datetime import UTC, datetime, timedelta
from email import policy
from typing import Any
from uuid import UUID

from notification_consumer.adapters.smtp import wire_format
from notification_consumer.domain.emails import Email, Recipient, RetryPolicy, email_for
from notification_consumer.domain.events import TaskEvent, parse_event
from notification_consumer.domain.notifications import Notification, notification_for

from .samples import cloud_event

NOW = datetime(2026, 11, 24, 12, 0, 1, tzinfo=UTC)
SENDER = "Taskwire <notifications@taskwire.example>"
CONSOLE = "https://tasks.example.test/"
ALICE = Recipient("alice@example.test", "Alice Liddell", None)
BERLIN = Recipient("alice@example.test", "Alice Liddell", "Europe/Berlin")


def event(**fields: Any) -> TaskEvent:
    return parse_event(json.dumps(cloud_event(**fields)).encode())


def notification(**fields: Any) -> Notification:
    return notification_for(event(**fields), UUID(int=1), NOW)


def mail_of(recipient: Recipient = ALICE, **fields: Any) -> Email:
    e = event(**fields)
    n = notification_for(e, UUID(int=1), NOW)
    return email_for(n, e, recipient, SENDER, "notifications.taskwire.example", CONSOLE)


def test_the_email_carries_the_event_and_request_ids_and_a_stable_message_id() -> None:
    e = event(event_type="task.completed", status="done", title="Ship it")
    n = notification_for(e, UUID(int=1), NOW)
    mail = email_for(n, e, ALICE, SENDER, "notifications.taskwire.example", CONSOLE)
    assert mail.recipient == "alice@example.test"
    assert mail.recipient_name == "Alice Liddell"
    assert mail.subject == "[Taskwire] Task completed: Ship it"
    assert n.message in mail.text
    headers = dict(mail.headers)
    assert headers["X-Taskwire-Event-Id"] == str(n.event_id)
    assert headers["X-Request-ID"] == "req-123"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert mail.message_id == f"<{n.event_id}@notifications.taskwire.example>"
    assert email_for(n, e, ALICE, SENDER, "notifications.taskwire.example", CONSOLE) == mail


def test_the_human_text_greets_by_name_links_to_the_task_and_shows_no_event_id() -> None:
    e = event(title="Call mum")
    n = notification_for(e, UUID(int=1), NOW)
    mail = email_for(n, e, ALICE, SENDER, "d.example", CONSOLE)
    link = f"https://tasks.example.test/#/tasks/{e.task_id}"
    for part in (mail.text, mail.html):
        assert "Hello Alice Liddell," in part
        assert link in part
        assert str(e.id) not in part
    assert f'href="{link}"' in mail.html


def test_without_a_name_the_greeting_is_plain() -> None:
    mail = mail_of(Recipient("a@example.test"))
    assert "Hello,\n" in mail.text
    assert mail.recipient_name == ""


def test_a_deleted_task_links_to_the_task_list() -> None:
    mail = mail_of(event_type="task.deleted")
    assert "https://tasks.example.test/#/tasks\n" in mail.text
    assert "Open your tasks" in mail.html


def test_html_escapes_the_title_and_every_value_while_the_text_part_keeps_them() -> None:
    script = "<script>alert('x')</script> & co"
    mail = mail_of(
        event_type="task.updated",
        title=script,
        data_changes={"title": {"from": "<b>old</b>", "to": script}},
    )
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in mail.html
    assert "&lt;b&gt;old&lt;/b&gt;" in mail.html
    assert script in mail.text  # a text part is not HTML: nothing to escape
    assert "<b>old</b>" in mail.text


def test_times_are_shown_in_the_owners_zone() -> None:
    fields: dict[str, Any] = {"due_date": "2026-07-01T16:30:00+00:00"}
    berlin = mail_of(BERLIN, **fields)
    assert "Due: Wed 01 Jul 2026, 18:30 CEST" in berlin.text  # summer time
    assert "Task created on Tue 24 Nov 2026, 13:00 CET." in berlin.text  # winter time
    tokyo = mail_of(Recipient("a@example.test", "", "Asia/Tokyo"), **fields)
    assert "Due: Thu 02 Jul 2026, 01:30 JST" in tokyo.text
    assert "Thu 02 Jul 2026, 01:30 JST" in tokyo.html


def test_without_a_zone_or_with_an_unknown_one_times_are_in_utc() -> None:
    for zone in (None, "", "Mars/Olympus_Mons", "../../etc/passwd", "x" * 300):
        mail = mail_of(Recipient("a@example.test", "", zone), due_date="2026-07-01T16:30:00Z")
        assert "Due: Wed 01 Jul 2026, 16:30 UTC" in mail.text
        assert "Task created on Tue 24 Nov 2026, 12:00 UTC." in mail.text


def test_an_update_lists_each_changed_field_from_old_to_new() -> None:
    mail = mail_of(
        BERLIN,
        event_type="task.updated",
        title="Final",
        status="in_progress",
        data_changes={
            "title": {"from": "Draft", "to": "Final"},
            "status": {"from": "todo", "to": "in_progress"},
            "due_date": {"from": None, "to": "2026-12-01T09:00:00+00:00"},
            "description": {"from": "line one\nline two", "to": None},
        },
    )
    assert mail.text.count("  - ") == 4
    assert "  - title: \u201cDraft\u201d -> \u201cFinal\u201d\n" in mail.text
    assert "  - description: \u201cline one line two\u201d -> none\n" in mail.text
    assert "  - status: to do -> in progress\n" in mail.text
    assert "  - due date: none -> Tue 01 Dec 2026, 10:00 CET\n" in mail.text
    assert 'border-bottom:1px solid #eaeef2;">status</td>' in mail.html
    assert "<del>to do</del>" in mail.html
    assert "<strong>in progress</strong>" in mail.html


def test_the_stored_message_names_the_changes_in_one_line() -> None:
    n = notification(
        event_type="task.updated",
        title="Final",
        data_changes={
            "title": {"from": "Draft", "to": "Final"},
            "status": {"from": "todo", "to": "in_progress"},
            "due_date": {"from": "2026-12-01T09:00:00+00:00", "to": None},
        },
    )
    assert n.message == (
        "Your task \u201cFinal\u201d was updated: title \u201cDraft\u201d \u2192 "
        "\u201cFinal\u201d; status to do \u2192 in progress; "
        "due date Tue 01 Dec 2026, 09:00 UTC \u2192 none."
    )


def test_an_update_without_changes_reads_as_before() -> None:
    n = notification(event_type="task.updated", status="in_progress")
    assert n.message == "Your task \u201cWater the plants\u201d was updated. It is now in progress."
    mail = mail_of(event_type="task.updated", status="in_progress")
    assert "What changed" not in mail.text
    assert "<del>" not in mail.html


def test_changes_of_an_unexpected_shape_are_left_out() -> None:
    e = event(
        event_type="task.updated",
        data_changes={
            "title": {"from": 1, "to": "x"},
            "status": "done",
            "priority": {"from": "low", "to": "high"},
            "due_date": {"from": None, "to": "2026-12-01T09:00:00+00:00"},
        },
    )
    assert [c.field for c in e.changes] == ["due_date"]
    assert event(event_type="task.updated", data_changes=["title"]).changes == ()


def test_without_a_request_id_there_is_no_request_id_header() -> None:
    mail = mail_of(request_id=None)
    assert "X-Request-ID" not in dict(mail.headers)


def test_a_long_title_is_cut_in_the_subject_only() -> None:
    mail = mail_of(title="x" * 200)
    assert len(mail.subject) <= len("[Taskwire] ") + 150
    assert "x" * 200 in mail.text
    assert "x" * 200 in mail.html


def test_on_the_wire_it_is_multipart_alternative_addressed_with_the_name() -> None:
    mail = mail_of(Recipient("a@example.test", "Jörg Müller"), title="Ünïcode title")
    data = wire_format(mail)
    assert data.endswith(b"\r\n.\r\n")
    assert b"\nX-Taskwire-Event-Id: " in data
    assert b"Subject: [Taskwire] Task created: =?utf-8?" in data
    parsed = email.message_from_bytes(data[: -len(b".\r\n")], policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert str(parsed["To"]) == "Jörg Müller <a@example.test>"
    text, html = parsed.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert "Ünïcode title" in text.get_content()
    assert "Ünïcode title" in html.get_content()


def test_on_the_wire_lines_end_in_crlf_and_leading_dots_are_doubled() -> None:
    mail = mail_of()
    mail = type(mail)(**{**mail.__dict__, "text": "line one\n.hidden line\n"})
    data = wire_format(mail)
    assert b"\r\n..hidden line" in data
    assert b"\n\n" not in data.replace(b"\r\n", b"")


def test_retries_back_off_exponentially_up_to_a_cap_then_give_up() -> None:
    policy = RetryPolicy(
        max_attempts=8, first_delay=timedelta(seconds=1), max_delay=timedelta(seconds=30)
    )
    delays = [policy.delay_after(n) for n in range(1, 9)]
    assert delays[:7] == [timedelta(seconds=s) for s in (1, 2, 4, 8, 16, 30, 30)]
    assert delays[7] is None
