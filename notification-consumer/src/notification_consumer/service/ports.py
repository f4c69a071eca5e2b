"""What the use cases need from the outside world; the adapters provide it."""

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from notification_consumer.domain.emails import Email, Recipient
from taskwire_events import RawMessage


class Directory(Protocol):
    def recipient_of(self, owner_id: UUID) -> Recipient:
        """The owner's address, name and time zone. Raises NoEmailAddress or
        DirectoryUnavailable."""
        ...


class Transmission(Protocol):
    """An SMTP transaction accepted up to the point of no return: only the body is left."""

    def complete(self) -> str:
        """Hand the body over; the server's reply. Raises MailUnavailable or MailRejected when
        the server refused it, DeliveryOutcomeUnknown when nobody can tell."""
        ...

    def abandon(self) -> None:
        """Drop the transaction without sending the body: nothing is delivered."""
        ...


class Mailer(Protocol):
    def prepare(self, mail: Email) -> Transmission:
        """Everything before the body (connect, MAIL, RCPT, DATA). Raises MailUnavailable or
        MailRejected; nothing has been delivered when it raises."""
        ...


class DeadLetters(Protocol):
    def publish(self, message: RawMessage, error: BaseException, stage: str) -> None:
        """Send the message, unchanged, with the error to the dead-letter topic; return once
        it is acknowledged. Raises DeadLetterUnavailable."""
        ...


class FeedWakeup(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block until new notifications may have committed, at most `timeout` seconds; True
        when something said so (a PostgreSQL NOTIFY), False when the time ran out."""
        ...


class EventSource(Protocol):
    """Where task events come from (a Kafka consumer group): it moves bytes and offsets, the
    consumer loop decides what becomes of them."""

    def poll(self) -> list[RawMessage]:
        """The next batch, in order within each partition; empty when nothing came."""
        ...

    def commit(self, batch: Sequence[RawMessage]) -> None:
        """Mark every partition of the batch done past its last message. A refused commit is
        not an error: the messages come back and their event ids are found recorded."""
        ...

    def rewind(self, batch: Sequence[RawMessage]) -> None:
        """Deliver the batch again: each partition from its first message in it."""
        ...

    def lag(self) -> dict[int, int]:
        """Messages not yet consumed, by assigned partition (those it can tell)."""
        ...

    def close(self) -> None: ...
