"""The e-mail use case: at most one e-mail per event, even when a step fails or the process
dies; refusals are retried with backoff, then dead-lettered."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from notification_consumer.domain.emails import DeliveryStatus, Email, RetryPolicy
from notification_consumer.domain.errors import (
    DeliveryOutcomeUnknown,
    MailRejected,
    MailUnavailable,
    StoreUnavailable,
)
from notification_consumer.domain.events import parse_event
from notification_consumer.domain.preferences import EmailPreferences
from notification_consumer.service.emails import Dispatch, EmailDispatcher
from notification_consumer.service.events import EventHandler
from taskwire_events import EventType

from .fakes import FakeDeadLetters, FakeDirectory, FakeMailer, FakeUnitOfWork, Store
from .samples import OWNER, cloud_event, raw

ALICE_MAIL = "alice@example.test"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class World:
    def __init__(self) -> None:
        self.store = Store()
        self.clock = Clock()
        self.directory = FakeDirectory({OWNER: ALICE_MAIL})
        self.mailer = FakeMailer()
        self.dead_letters = FakeDeadLetters()
        self.handler = EventHandler(lambda: FakeUnitOfWork(self.store), clock=self.clock)
        self.dispatcher = EmailDispatcher(
            lambda: FakeUnitOfWork(self.store),
            self.directory,
            self.mailer,
            self.dead_letters,
            sender="Taskwire <notifications@taskwire.example>",
            message_domain="notifications.taskwire.example",
            console_url="http://console.example.test",
            policy=RetryPolicy(max_attempts=3),
            clock=self.clock,
            sleep=lambda _seconds: None,
        )

    def event(self, **fields: Any) -> UUID:
        value = cloud_event(**fields)
        self.handler.handle_event(parse_event(json.dumps(value).encode()), raw(value))
        return UUID(value["id"])

    def status(self, event_id: UUID) -> DeliveryStatus:
        return self.store.deliveries[event_id].status


@pytest.fixture
def world() -> World:
    return World()


def test_an_owed_email_is_sent_once_to_the_owner(world: World) -> None:
    event_id = world.event(title="Call mum")
    assert world.dispatcher.deliver_next() is Dispatch.SENT
    assert world.dispatcher.deliver_next() is Dispatch.IDLE
    [mail] = world.mailer.delivered
    assert mail.recipient == ALICE_MAIL
    assert mail.recipient_name == "Alice Liddell"
    assert dict(mail.headers)["X-Taskwire-Event-Id"] == str(event_id)
    assert world.status(event_id) is DeliveryStatus.SENT


def test_the_email_of_an_update_says_what_changed_in_the_owners_zone(world: World) -> None:
    world.event(
        event_type="task.updated",
        title="Final",
        data_changes={"title": {"from": "Draft", "to": "Final"}},
    )
    assert world.dispatcher.deliver_next() is Dispatch.SENT
    [mail] = world.mailer.delivered
    assert "title: \u201cDraft\u201d -> \u201cFinal\u201d" in mail.text
    assert "Task updated on Tue 24 Nov 2026, 13:00 CET." in mail.text  # 12:00 UTC, Berlin
    assert "http://console.example.test/#/tasks/" in mail.html


def test_an_opted_out_type_is_stored_but_its_email_skipped(world: World) -> None:
    world.store.preferences[OWNER] = EmailPreferences.of({EventType.UPDATED: False})
    updated = world.event(event_type="task.updated")
    created = world.event(event_type="task.created")
    assert world.dispatcher.deliver_next() is Dispatch.SKIPPED
    assert world.dispatcher.deliver_next() is Dispatch.SENT
    assert world.status(updated) is DeliveryStatus.SKIPPED
    assert world.status(created) is DeliveryStatus.SENT
    assert [dict(m.headers)["X-Taskwire-Event-Type"] for m in world.mailer.delivered] == [
        "task.created"
    ]
    assert len(world.store.notifications) == 2


def test_the_email_is_recorded_as_sending_before_its_body_goes_out(world: World) -> None:
    event_id = world.event()
    seen: list[DeliveryStatus] = []

    def before_body(_mail: Email) -> None:
        seen.append(world.status(event_id))

    world.mailer.before_body = before_body
    world.dispatcher.deliver_next()
    assert seen == [DeliveryStatus.SENDING]


def test_a_crash_while_handing_the_body_over_never_leads_to_a_second_email(world: World) -> None:
    event_id = world.event()

    def crash(_mail: Email) -> None:
        raise SystemExit("killed")  # the process dies between `sending` and `sent`

    world.mailer.before_body = crash
    with pytest.raises(SystemExit):
        world.dispatcher.deliver_next()
    world.mailer.before_body = lambda _mail: None
    world.clock.advance(3600)
    assert world.dispatcher.deliver_next() is Dispatch.IDLE  # a restarted dispatcher
    assert world.dispatcher.expire_stale() == 1
    assert world.status(event_id) is DeliveryStatus.UNCERTAIN
    assert world.mailer.delivered == []


def test_a_broken_connection_after_the_body_is_uncertain_and_not_resent(world: World) -> None:
    event_id = world.event()
    world.mailer.body_error = DeliveryOutcomeUnknown("connection reset")
    assert world.dispatcher.deliver_next() is Dispatch.UNCERTAIN
    world.mailer.body_error = None
    world.clock.advance(3600)
    assert world.dispatcher.deliver_next() is Dispatch.IDLE
    assert world.status(event_id) is DeliveryStatus.UNCERTAIN


def test_when_recording_sending_fails_the_body_is_never_sent(world: World) -> None:
    world.event()
    world.store.commits_fail = True
    with pytest.raises(StoreUnavailable):
        world.dispatcher.deliver_next()
    world.store.commits_fail = False
    assert len(world.mailer.abandoned) == 1
    assert world.mailer.delivered == []
    assert world.dispatcher.deliver_next() is Dispatch.SENT  # still pending: sent once, later


def test_an_smtp_server_that_is_down_is_retried_with_backoff(world: World) -> None:
    event_id = world.event()
    world.mailer.prepare_error = MailUnavailable("connection refused")
    assert world.dispatcher.deliver_next() is Dispatch.RETRY
    assert world.dispatcher.deliver_next() is Dispatch.IDLE  # not due yet
    world.mailer.prepare_error = None
    world.clock.advance(1)
    assert world.dispatcher.deliver_next() is Dispatch.SENT
    assert len(world.mailer.delivered) == 1
    assert world.status(event_id) is DeliveryStatus.SENT


def test_a_refused_body_is_not_delivered_and_is_tried_again(world: World) -> None:
    event_id = world.event()
    world.mailer.body_error = MailUnavailable("451 try again later")
    assert world.dispatcher.deliver_next() is Dispatch.RETRY
    assert world.status(event_id) is DeliveryStatus.PENDING
    world.mailer.body_error = None
    world.clock.advance(1)
    assert world.dispatcher.deliver_next() is Dispatch.SENT


def test_an_email_refused_after_every_retry_is_dead_lettered_once(world: World) -> None:
    event_id = world.event()
    world.mailer.prepare_error = MailUnavailable("connection refused")
    results = []
    for _ in range(3):
        results.append(world.dispatcher.deliver_next())
        world.clock.advance(60)
    assert results == [Dispatch.RETRY, Dispatch.RETRY, Dispatch.FAILED]
    assert world.status(event_id) is DeliveryStatus.FAILED
    [(message, error, stage)] = world.dead_letters.published
    assert stage == "email"
    assert json.loads(message.value or b"")["id"] == str(event_id)
    assert (message.topic, message.partition, message.offset) == ("task-events", 3, 7)
    assert "connection refused" in str(error)
    assert world.dispatcher.deliver_next() is Dispatch.IDLE


def test_a_permanent_refusal_is_dead_lettered_at_once(world: World) -> None:
    event_id = world.event()
    world.mailer.prepare_error = MailRejected("550 no such mailbox")
    assert world.dispatcher.deliver_next() is Dispatch.FAILED
    assert world.status(event_id) is DeliveryStatus.FAILED
    assert len(world.dead_letters.published) == 1


def test_a_given_up_email_is_not_failed_until_its_dead_letter_is_acknowledged(
    world: World,
) -> None:
    event_id = world.event()
    world.mailer.prepare_error = MailRejected("550 no such mailbox")
    world.dead_letters.down = True
    assert world.dispatcher.deliver_next() is Dispatch.RETRY
    assert world.status(event_id) is DeliveryStatus.PENDING
    world.dead_letters.down = False
    world.clock.advance(5)
    assert world.dispatcher.deliver_next() is Dispatch.FAILED
    assert len(world.dead_letters.published) == 1


def test_a_replayed_event_sends_the_email_that_had_been_given_up(world: World) -> None:
    world.mailer.prepare_error = MailRejected("550 mailbox full")
    value = cloud_event()
    event = parse_event(json.dumps(value).encode())
    world.handler.handle_event(event, raw(value))
    assert world.dispatcher.deliver_next() is Dispatch.FAILED
    world.mailer.prepare_error = None
    world.handler.handle_event(event, raw(value))  # the replay
    assert world.dispatcher.deliver_next() is Dispatch.SENT
    assert len(world.mailer.delivered) == 1


def test_an_owner_without_address_is_skipped_not_retried(world: World) -> None:
    event_id = world.event(owner_id=UUID(int=42))
    assert world.dispatcher.deliver_next() is Dispatch.SKIPPED
    assert world.status(event_id) is DeliveryStatus.SKIPPED
    assert world.store.deliveries[event_id].last_error == "the owner is not a user of the realm"
    assert world.dead_letters.published == []


def test_a_directory_that_is_down_delays_the_email(world: World) -> None:
    event_id = world.event()
    world.directory.down = True
    assert world.dispatcher.deliver_next() is Dispatch.RETRY
    world.directory.down = False
    world.clock.advance(1)
    assert world.dispatcher.deliver_next() is Dispatch.SENT
    assert world.status(event_id) is DeliveryStatus.SENT
