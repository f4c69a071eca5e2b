"""The e-mail a notification becomes, how often a failed one is tried again, and which states
are settled."""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from notification_consumer.domain.notifications import Notification

SUBJECT_MAX = 150


@dataclass(frozen=True)
class Email:
    sender: str
    recipient: str
    subject: str
    body: str
    # The same Message-ID for the same event, always: a receiving system can drop a duplicate.
    message_id: str
    headers: tuple[tuple[str, str], ...]


def email_for(
    notification: Notification, recipient: str, sender: str, message_domain: str
) -> Email:
    title = " ".join(notification.title.split())
    subject = f"{notification.headline}: {title}"
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "\u2026"
    body = (
        f"{notification.message}\n\n"
        f"Task: {notification.task_id}\n"
        f"Event: {notification.event_id}\n\n"
        "You receive this e-mail because you own this task on Taskwire.\n"
    )
    headers: list[tuple[str, str]] = [
        ("X-Taskwire-Event-Id", str(notification.event_id)),
        ("X-Taskwire-Event-Type", notification.type.value),
        ("Auto-Submitted", "auto-generated"),  # RFC 3834: no auto-replies, please
    ]
    if notification.request_id:
        headers.append(("X-Request-ID", notification.request_id))
    return Email(
        sender=sender,
        recipient=recipient,
        subject=f"[Taskwire] {subject}",
        body=body,
        message_id=f"<{notification.event_id}@{message_domain}>",
        headers=tuple(headers),
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
