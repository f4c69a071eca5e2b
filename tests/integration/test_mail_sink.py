"""Mail sink: an e-mail sent over SMTP appears in the sink's HTTP API."""

import smtplib
import time
import uuid
from email.message import EmailMessage
from typing import Any

import requests

from taskwire_testkit import Stack


def _mails_to(stack: Stack, address: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"http://{stack.host}:{stack.mail_http_port}/api/email",
        params={"to.address": address},
        timeout=5,
    )
    response.raise_for_status()
    mails: list[dict[str, Any]] = response.json()
    return mails


def test_an_email_sent_over_smtp_is_readable_through_the_http_api(stack: Stack) -> None:
    address = f"probe-{uuid.uuid4().hex[:8]}@example.test"
    message = EmailMessage()
    message["From"] = "taskwire@example.test"
    message["To"] = address
    message["Subject"] = "Probe"
    message.set_content("The mail sink works.")
    with smtplib.SMTP(stack.host, stack.smtp_port, timeout=5) as smtp:
        smtp.send_message(message)

    deadline = time.monotonic() + 5
    while not (mails := _mails_to(stack, address)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(mails) == 1
    assert mails[0]["subject"] == "Probe"
    assert "The mail sink works." in mails[0]["text"]
