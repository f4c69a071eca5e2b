"""The mail sink's HTTP API, always filtered by address: other tests' mails stay, and so do the
alerts Alertmanager e-mails to ops@taskwire.example, which never count as a user's mail."""

import os
from datetime import datetime, timedelta
from typing import Any

import requests

from taskwire_testkit.stack import Stack

# A mail's `time` is its Date header, in whole seconds, written just before it is sent.
DATE_SLACK = timedelta(seconds=2)


class Mailbox:
    def __init__(self, stack: Stack) -> None:
        self._url = f"http://{stack.host}:{stack.mail_http_port}/api/email"
        # The sink drops its oldest mails beyond this many (scripts/stack/mailsink.sh).
        self._capacity = int(os.environ.get("MAILSINK_MAX_EMAILS", "2000"))

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        response = requests.get(self._url, params={"to.address": address}, timeout=10)
        response.raise_for_status()
        mails: list[dict[str, Any]] = response.json()
        return mails

    def source(self, mail_id: str) -> bytes:
        """The mail exactly as the sink received it (headers and every MIME part)."""
        response = requests.get(f"{self._url}/{mail_id}/source", timeout=10)
        response.raise_for_status()
        return response.content

    def event_ids_mailed_to(self, address: str) -> list[str]:
        """The event id of each mail to `address`, one entry per copy received."""
        return [m["headers"].get("x-taskwire-event-id") for m in self.mails_to(address)]

    def event_ids_by_mail(self, address: str) -> dict[str, str]:
        """The event id of each mail to `address`, by the sink's own id of the mail."""
        return {m["id"]: m["headers"].get("x-taskwire-event-id") for m in self.mails_to(address)}

    def kept_everything_since(self, moment: datetime) -> bool:
        """Whether the sink still holds every mail sent after `moment`: it never filled up, or
        its oldest mail is older than that (another test or a benchmark may have flooded it)."""
        response = requests.get(
            f"{self._url}/summary", params={"sort": "asc", "limit": "1"}, timeout=10
        )
        response.raise_for_status()
        summary = response.json()
        if summary["storeTotal"] < self._capacity:
            return True
        oldest = datetime.fromisoformat(summary["items"][0]["time"].replace("Z", "+00:00"))
        return oldest + DATE_SLACK <= moment
