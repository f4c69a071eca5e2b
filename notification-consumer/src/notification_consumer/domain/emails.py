"""The e-mail a notification becomes, how often a failed one is tried again, and which states
are settled."""

from dataclasses import dataclass
from datetime import UTC, timedelta, tzinfo
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notification_consumer.domain.events import TaskEvent
from notification_consumer.domain.notifications import (
    Notification,
    change_words,
    moment_words,
)
from taskwire_events import EventType

SUBJECT_MAX = 150
_ZONE_MAX = 64


@dataclass(frozen=True)
class Recipient:
    """The owner as the e-mail addresses them: address, name, and time zone (IANA name)."""

    address: str
    name: str = ""
    time_zone: str | None = None

    def zone(self) -> tzinfo:
        """The owner's zone; UTC when the account has none, or one that is not a known zone."""
        name = (self.time_zone or "").strip()
        if not name or len(name) > _ZONE_MAX:
            return UTC
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path-like or malformed key
            return UTC


@dataclass(frozen=True)
class Email:
    sender: str
    recipient: str  # the address: the envelope's RCPT TO and the To header's address
    recipient_name: str  # the To header's display name; may be empty
    subject: str
    text: str
    html: str
    # The same Message-ID for the same event, always: a receiving system can drop a duplicate.
    message_id: str
    headers: tuple[tuple[str, str], ...]


def task_link(console_url: str, notification: Notification) -> str:
    """Where the web console shows the task; its list when the task is gone."""
    base = console_url.rstrip("/")
    if notification.type is EventType.DELETED:
        return f"{base}/#/tasks"
    return f"{base}/#/tasks/{notification.task_id}"


def email_for(
    notification: Notification,
    event: TaskEvent | None,
    recipient: Recipient,
    sender: str,
    message_domain: str,
    console_url: str,
) -> Email:
    """The e-mail of a notification: text and HTML from the same facts, times in the owner's
    zone. `event` is the CloudEvent the notification came from (its changes and due date);
    without it the e-mail says what the notification says."""
    title = " ".join(notification.title.split())
    subject = f"{notification.headline}: {title}"
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "\u2026"
    zone = recipient.zone()
    due = None
    if event is not None and event.due_date and notification.type is not EventType.DELETED:
        due = moment_words(event.due_date, zone)
    facts = {
        "greeting": f"Hello {recipient.name}," if recipient.name.strip() else "Hello,",
        "headline": notification.headline,
        "title": notification.title,
        "message": notification.message,
        "changes": change_words(event.changes, zone) if event is not None else [],
        "due": due,
        "when": moment_words(event.time if event else notification.created_at, zone),
        "link": task_link(console_url, notification),
        "link_words": "Open your tasks"
        if notification.type is EventType.DELETED
        else "Open the task",
    }
    headers: list[tuple[str, str]] = [
        ("X-Taskwire-Event-Id", str(notification.event_id)),
        ("X-Taskwire-Event-Type", notification.type.value),
        ("Auto-Submitted", "auto-generated"),  # RFC 3834: no auto-replies, please
    ]
    if notification.request_id:
        headers.append(("X-Request-ID", notification.request_id))
    templates = _templates()
    return Email(
        sender=sender,
        recipient=recipient.address,
        recipient_name=" ".join(recipient.name.split()),
        subject=f"[Taskwire] {subject}",
        text=templates.get_template("task_event.txt").render(facts),
        html=templates.get_template("task_event.html").render(facts),
        message_id=f"<{notification.event_id}@{message_domain}>",
        headers=tuple(headers),
    )


@cache
def _templates() -> Environment:
    # Built on first use, not at import; autoescaped by file name: the .html template escapes
    # every value, the .txt template none (a text part has nothing to escape).
    return Environment(
        loader=PackageLoader("notification_consumer", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff, capped; after `max_attempts` failed tries the e-mail is given up."""

    max_attempts: int = 10
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(seconds=60)

    def delay_after(self, attempts: int) -> timedelta | None:
        """How long to wait after the `attempts`-th failed try; None: give up."""
        if attempts >= self.max_attempts:
            return None
        delay: timedelta = self.first_delay * 2 ** (attempts - 1)
        return min(delay, self.max_delay)


class DeliveryStatus(StrEnum):
    """Where an e-mail stands. Only `pending` is ever picked up for sending; `sending` is
    committed before the message body goes out, so a crash can never lead to a second copy."""

    PENDING = "pending"  # to be sent (again) at `next_attempt_at`
    SENDING = "sending"  # the body is being handed over right now
    SENT = "sent"  # the SMTP server accepted it (250 after the body)
    SKIPPED = "skipped"  # nobody to send it to (owner unknown, disabled or without address)
    FAILED = "failed"  # given up after retries or refused for good; dead-lettered
    UNCERTAIN = "uncertain"  # the process died while handing the body over; never resent


# The statuses nothing moves an e-mail out of by itself: `pending` and `sending` are still owed
# or in flight. `failed` comes back to `pending` only when its event is replayed from the
# dead-letter topic, whose records are gone long before the retention (docs/events.md).
SETTLED = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN}
)
