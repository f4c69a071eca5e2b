"""In-memory stand-ins for the use-case tests: the same interfaces, no database, no network."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from notification_consumer.db.deliveries import DueEmail
from notification_consumer.domain.emails import SETTLED, DeliveryStatus, Email, Recipient
from notification_consumer.domain.errors import (
    DeadLetterUnavailable,
    DirectoryUnavailable,
    NoEmailAddress,
    StoreUnavailable,
)
from notification_consumer.domain.events import TaskEvent
from notification_consumer.domain.notifications import Notification
from notification_consumer.domain.preferences import EmailPreferences
from taskwire_events import RawMessage
from taskwire_sql import Position


@dataclass
class Delivery:
    notification: Notification
    source: RawMessage
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    recipient: str | None = None
    last_error: str | None = None
    updated_at: datetime | None = None


@dataclass
class Store:
    """The committed state; a unit of work sees it and writes to it only on commit."""

    events: dict[UUID, datetime] = field(default_factory=dict)  # id -> processed at
    notifications: dict[UUID, Notification] = field(default_factory=dict)
    deliveries: dict[UUID, Delivery] = field(default_factory=dict)
    preferences: dict[UUID, EmailPreferences] = field(default_factory=dict)
    commits: int = 0
    down: bool = False  # no connection at all
    commits_fail: bool = False  # the connection is lost at commit time


class FakeEvents:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, batch: Sequence[tuple[TaskEvent, RawMessage]], now: datetime) -> set[UUID]:
        new = {event.id for event, _ in batch} - self.store.events.keys()
        self.store.events |= dict.fromkeys(new, now)
        return new

    def prune(self, before: datetime, limit: int) -> int:
        oldest = sorted((at, i) for i, at in self.store.events.items() if at < before)[:limit]
        for _, event_id in oldest:
            del self.store.events[event_id]
        return len(oldest)


class FakeNotifications:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, stored: Sequence[tuple[Notification, datetime]]) -> None:
        for notification, _ in stored:
            known = {n.event_id for n in self.store.notifications.values()}
            assert notification.event_id not in known, "UNIQUE (event_id) violated"
            self.store.notifications[notification.id] = notification

    def page(self, owner_id: UUID, limit: int, after: Position | None) -> list[Notification]:
        mine = sorted(
            (n for n in self.store.notifications.values() if n.owner_id == owner_id),
            key=lambda n: (n.created_at, n.id),
            reverse=True,
        )
        if after is not None:
            mine = [n for n in mine if (n.created_at, n.id) < (after.key, after.id)]
        return mine[: limit + 1]


class FakeDeliveries:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, owed: Sequence[tuple[Notification, RawMessage]], now: datetime) -> None:
        for notification, source in owed:
            self.store.deliveries[notification.event_id] = Delivery(
                notification, source, next_attempt_at=now, updated_at=now
            )

    def requeue_failed(self, event_ids: Sequence[UUID], now: datetime) -> set[UUID]:
        requeued = set()
        for event_id in event_ids:
            delivery = self.store.deliveries.get(event_id)
            if delivery is not None and delivery.status is DeliveryStatus.FAILED:
                delivery.status, delivery.attempts = DeliveryStatus.PENDING, 0
                delivery.next_attempt_at = now
                requeued.add(event_id)
        return requeued

    def claim_due(self, now: datetime) -> DueEmail | None:
        due = [
            d
            for d in self.store.deliveries.values()
            if d.status is DeliveryStatus.PENDING
            and d.next_attempt_at is not None
            and d.next_attempt_at <= now
        ]
        if not due:
            return None
        first = min(due, key=lambda d: d.next_attempt_at or now)
        return DueEmail(first.notification, first.attempts, first.source)

    def mark_sending(self, event_id: UUID, recipient: str, now: datetime) -> None:
        self._set(event_id, now, status=DeliveryStatus.SENDING, recipient=recipient)

    def mark_sent(self, event_id: UUID, reply: str, now: datetime) -> None:
        self._set(event_id, now, status=DeliveryStatus.SENT)

    def retry_later(
        self, event_id: UUID, attempts: int, error: str, at: datetime, now: datetime
    ) -> None:
        self._set(
            event_id,
            now,
            status=DeliveryStatus.PENDING,
            attempts=attempts,
            last_error=error,
            next_attempt_at=at,
        )

    def mark_failed(self, event_id: UUID, attempts: int, error: str, now: datetime) -> None:
        self._set(event_id, now, status=DeliveryStatus.FAILED, attempts=attempts, last_error=error)

    def mark_skipped(self, event_id: UUID, reason: str, now: datetime) -> None:
        self._set(event_id, now, status=DeliveryStatus.SKIPPED, last_error=reason)

    def mark_uncertain(self, event_id: UUID, error: str, now: datetime) -> None:
        self._set(event_id, now, status=DeliveryStatus.UNCERTAIN, last_error=error)

    def expire_sending(self, claimed_before: datetime, now: datetime) -> list[UUID]:
        stale = [
            event_id
            for event_id, d in self.store.deliveries.items()
            if d.status is DeliveryStatus.SENDING
            and d.updated_at is not None
            and d.updated_at < claimed_before
        ]
        for event_id in stale:
            self._set(event_id, now, status=DeliveryStatus.UNCERTAIN)
        return stale

    def prune_settled(self, before: datetime, limit: int) -> int:
        oldest = sorted(
            (d.updated_at, event_id)
            for event_id, d in self.store.deliveries.items()
            if d.status in SETTLED and d.updated_at is not None and d.updated_at < before
        )[:limit]
        for _, event_id in oldest:
            del self.store.deliveries[event_id]
        return len(oldest)

    def _set(self, event_id: UUID, now: datetime, **values: Any) -> None:
        delivery = self.store.deliveries[event_id]
        self.store.deliveries[event_id] = replace(delivery, updated_at=now, **values)


class FakePreferences:
    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, owner_id: UUID) -> EmailPreferences:
        return self.store.preferences.get(owner_id, EmailPreferences())

    def replace(self, owner_id: UUID, preferences: EmailPreferences, now: datetime) -> None:
        self.store.preferences[owner_id] = preferences


class FakeUnitOfWork:
    """Works on a copy of the store and publishes it on commit, like a transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> Self:
        if self._store.down:
            raise StoreUnavailable("the fake database is down")
        self._work = Store(
            events=dict(self._store.events),
            notifications=dict(self._store.notifications),
            deliveries={k: replace(v) for k, v in self._store.deliveries.items()},
            preferences=dict(self._store.preferences),
        )
        self.events = FakeEvents(self._work)
        self.notifications = FakeNotifications(self._work)
        self.deliveries = FakeDeliveries(self._work)
        self.preferences = FakePreferences(self._work)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pass  # uncommitted work is simply dropped

    def commit(self) -> None:
        if self._store.down or self._store.commits_fail:
            raise StoreUnavailable("the fake database is down")
        self._store.events = dict(self._work.events)
        self._store.notifications = dict(self._work.notifications)
        self._store.deliveries = {k: replace(v) for k, v in self._work.deliveries.items()}
        self._store.preferences = dict(self._work.preferences)
        self._store.commits += 1


class FakeDirectory:
    def __init__(self, addresses: dict[UUID, str] | None = None) -> None:
        self.addresses = addresses or {}
        self.down = False

    def recipient_of(self, owner_id: UUID) -> Recipient:
        if self.down:
            raise DirectoryUnavailable("the fake directory is down")
        try:
            return Recipient(self.addresses[owner_id], "Alice Liddell", "Europe/Berlin")
        except KeyError:
            raise NoEmailAddress("the owner is not a user of the realm") from None


class FakeTransmission:
    def __init__(self, mailer: "FakeMailer", mail: Email) -> None:
        self._mailer = mailer
        self._mail = mail

    def complete(self) -> str:
        self._mailer.before_body(self._mail)
        if self._mailer.body_error is not None:
            raise self._mailer.body_error
        self._mailer.delivered.append(self._mail)
        return "250 OK"

    def abandon(self) -> None:
        self._mailer.abandoned.append(self._mail)


class FakeMailer:
    """Records delivered e-mails; `prepare_error` / `body_error` make a step fail."""

    def __init__(self) -> None:
        self.delivered: list[Email] = []
        self.abandoned: list[Email] = []
        self.prepare_error: Exception | None = None
        self.body_error: Exception | None = None
        self.before_body = lambda mail: None

    def prepare(self, mail: Email) -> FakeTransmission:
        if self.prepare_error is not None:
            raise self.prepare_error
        return FakeTransmission(self, mail)


class FakeDeadLetters:
    def __init__(self) -> None:
        self.published: list[tuple[RawMessage, BaseException, str]] = []
        self.down = False

    def publish(self, message: RawMessage, error: BaseException, stage: str) -> None:
        if self.down:
            raise DeadLetterUnavailable("the fake dead-letter topic is down")
        self.published.append((message, error, stage))
