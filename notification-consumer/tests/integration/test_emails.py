"""The e-mail of an update, as the owner receives it from the real stack: multipart text and
HTML, addressed with their name, naming each change from old to new, the time in their zone,
and a link to the task in the web console."""

import email
import os
from datetime import datetime
from email import policy
from typing import Any
from zoneinfo import ZoneInfo

import requests

from taskwire_testkit import Mailbox, Stack, Users

from .conftest import eventually

ZONE = "Asia/Kathmandu"  # UTC+05:45 all year: no other zone's time can pass for it
ARRIVAL_TIMEOUT = 60.0


def test_an_updates_email_names_the_change_in_the_owners_zone_and_links_to_the_task(
    stack: Stack, users: Users, mailbox: Mailbox
) -> None:
    owner = users.create(
        "zoned", first_name="Ada", last_name="Lovelace", attributes={"zoneinfo": [ZONE]}
    )
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {owner.token(stack)}"
    base = f"{stack.gateway}/tasks"
    created = api.post(base, json={"title": "Draft <b>plan</b>"}, timeout=10)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    updated = api.patch(
        f"{base}/{task_id}", json={"title": "Final plan", "status": "in_progress"}, timeout=10
    )
    assert updated.status_code == 200, updated.text
    updated_at = datetime.fromisoformat(updated.json()["updated_at"])

    def update_mail() -> dict[str, Any] | None:
        mails = mailbox.mails_to(owner.email)
        return next((m for m in mails if m["subject"].startswith("[Taskwire] Task updated")), None)

    mail = eventually(update_mail, timeout=ARRIVAL_TIMEOUT, every=0.2)
    assert mail["subject"] == "[Taskwire] Task updated: Final plan"
    assert mail["to"] == [{"address": owner.email, "name": "Ada Lovelace"}]
    source = email.message_from_bytes(mailbox.source(mail["id"]), policy=policy.default)
    assert source.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in source.iter_parts()] == ["text/plain", "text/html"]
    assert str(source["To"]) == f"Ada Lovelace <{owner.email}>"
    text, html = mail["text"], mail["html"]

    for part in (text, html):
        assert "Hello Ada Lovelace," in part
        assert mail["headers"]["x-taskwire-event-id"] not in part
    assert "  - title: \u201cDraft <b>plan</b>\u201d -> \u201cFinal plan\u201d" in text
    assert "  - status: to do -> in progress" in text
    assert "&lt;b&gt;plan&lt;/b&gt;" in html
    assert "<b>plan</b>" not in html
    assert "<del>to do</del>" in html
    assert "<strong>in progress</strong>" in html

    # The event's time is the update's, to the second; shown to the minute in the owner's zone.
    local = updated_at.astimezone(ZoneInfo(ZONE))
    assert f"Task updated on {local:%a %d %b %Y, %H:%M} +0545." in text
    assert f"{local:%a %d %b %Y, %H:%M} +0545" in html

    default = f"http://localhost:{stack.gateway_port}"  # the setting's default: the gateway
    console = os.environ.get("NOTIFICATIONS_CONSOLE_URL", default).rstrip("/")
    link = f"{console}/#/tasks/{task_id}"
    assert f"Open the task: {link}" in text
    assert f'href="{link}"' in html

    [notification] = [
        n
        for n in api.get(f"{stack.gateway}/notifications", timeout=10).json()["items"]
        if n["type"] == "task.updated" and n["task_id"] == task_id
    ]
    assert notification["message"] == (
        "Your task \u201cFinal plan\u201d was updated: title \u201cDraft <b>plan</b>\u201d "
        "\u2192 \u201cFinal plan\u201d; status to do \u2192 in progress."
    )
