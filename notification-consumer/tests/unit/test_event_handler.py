"""The event use case: one event id, one notification and one owed e-mail, whatever repeats."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from notification_consumer.domain.emails import DeliveryStatus
from notification_consumer.domain.errors import StoreUnavailable
from notification_consumer.domain.events import parse_event
from notification_consumer.service.events import EventHandler, Outcome

from .fakes import FakeUnitOfWork, Store
from .samples import cloud_event, raw


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=5)
        return self.now


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def handler(store: Store) -> EventHandler:
    return EventHandler(lambda: FakeUnitOfWork(store), clock=Clock())


def test_an_event_stores_one_notification_and_owes_one_email(
    store: Store, handler: EventHandler
) -> None:
    value = cloud_event("task.created", title="Call mum")
    outcome = handler.handle_event(parse_event(json.dumps(value).encode()), raw(value))
    assert outcome is Outcome.STORED
    [notification] = store.notifications.values()
    assert str(notification.event_id) == value["id"]
    assert notification.title == "Call mum"
    assert store.deliveries[notification.event_id].status is DeliveryStatus.PENDING
    assert store.commits == 1


def test_a_redelivered_event_changes_nothing(store: Store, handler: EventHandler) -> None:
    value = cloud_event()
    event = parse_event(json.dumps(value).encode())
    handler.handle_event(event, raw(value))
    assert handler.handle_event(event, raw(value, offset=99)) is Outcome.DUPLICATE
    assert len(store.notifications) == 1
    assert len(store.deliveries) == 1


def test_a_replayed_event_whose_email_was_given_up_gets_its_email_retried(
    store: Store, handler: EventHandler
) -> None:
    value = cloud_event()
    event = parse_event(json.dumps(value).encode())
    handler.handle_event(event, raw(value))
    store.deliveries[event.id].status = DeliveryStatus.FAILED
    store.deliveries[event.id].attempts = 10
    assert handler.handle_event(event, raw(value)) is Outcome.REQUEUED
    assert store.deliveries[event.id].status is DeliveryStatus.PENDING
    assert store.deliveries[event.id].attempts == 0
    assert len(store.notifications) == 1


def test_a_replayed_event_whose_email_was_sent_sends_nothing_again(
    store: Store, handler: EventHandler
) -> None:
    value = cloud_event()
    event = parse_event(json.dumps(value).encode())
    handler.handle_event(event, raw(value))
    store.deliveries[event.id].status = DeliveryStatus.SENT
    assert handler.handle_event(event, raw(value)) is Outcome.DUPLICATE
    assert store.deliveries[event.id].status is DeliveryStatus.SENT


def test_when_the_database_is_down_nothing_is_half_done(
    store: Store, handler: EventHandler
) -> None:
    store.down = True
    value = cloud_event()
    with pytest.raises(StoreUnavailable):
        handler.handle_event(parse_event(json.dumps(value).encode()), raw(value))
    assert not store.events
    assert not store.notifications
