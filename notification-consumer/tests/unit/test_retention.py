"""Pruning processed-event records and settled e-mails: past the retention they go, oldest first,
a small batch per transaction; recent ones stay, and so does every e-mail still owed or in
flight; a stop or an outage only postpones the rest."""

import json
import threading
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from notification_consumer.domain.emails import SETTLED, DeliveryStatus
from notification_consumer.domain.errors import StoreUnavailable
from notification_consumer.domain.events import parse_event
from notification_consumer.domain.notifications import notification_for
from notification_consumer.domain.retention import RetentionPolicy
from notification_consumer.service.retention import (
    ProcessedEventPruner,
    SettledEmailPruner,
    prune_until_stopped,
)

from .fakes import Delivery, FakeUnitOfWork, Store
from .samples import cloud_event, raw

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def _records(store: Store, count: int, age: timedelta) -> set[UUID]:
    made = {uuid4() for _ in range(count)}
    store.events |= dict.fromkeys(made, NOW - age)
    return made


def _emails(
    store: Store, count: int, status: DeliveryStatus, age: timedelta, owed_for: timedelta = WEEK
) -> set[UUID]:
    """E-mails in `status` since `age` ago, owed (with their event recorded) `owed_for` before."""
    made = set()
    for _ in range(count):
        value = json.dumps(cloud_event()).encode()
        event = parse_event(value)
        owed_at = NOW - age - owed_for
        store.events[event.id] = owed_at
        notification = notification_for(event, uuid4(), owed_at)
        store.notifications[notification.id] = notification
        store.deliveries[event.id] = Delivery(
            notification, raw(value), status=status, next_attempt_at=owed_at, updated_at=NOW - age
        )
        made.add(event.id)
    return made


class Pruning:
    """A pruner on a fake store, remembering what it reported and how often it paused."""

    def __init__(
        self,
        store: Store,
        policy: RetentionPolicy,
        kind: type[ProcessedEventPruner | SettledEmailPruner] = ProcessedEventPruner,
    ) -> None:
        self.reported: list[int] = []
        self.pauses: list[float] = []
        self.pruner = kind(
            lambda: FakeUnitOfWork(store),
            policy,
            on_pruned=self.reported.append,
            clock=lambda: NOW,
            sleep=self.pauses.append,
        )


def test_the_cutoff_is_the_retention_before_now() -> None:
    assert RetentionPolicy(keep=WEEK).cutoff(NOW) == datetime(2026, 11, 17, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("keep", [timedelta(0), -WEEK])
def test_a_retention_that_is_not_positive_is_refused(keep: timedelta) -> None:
    with pytest.raises(ValueError, match="retention must be positive"):
        RetentionPolicy(keep=keep)


def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="batch size"):
        RetentionPolicy(keep=WEEK, batch_size=0)


def test_records_past_the_retention_are_pruned_and_recent_ones_kept() -> None:
    store = Store()
    old = _records(store, 3, WEEK + timedelta(seconds=1))
    recent = _records(store, 2, WEEK - timedelta(seconds=1))
    on_the_cutoff = _records(store, 1, WEEK)

    pruned = Pruning(store, RetentionPolicy(keep=WEEK)).pruner.prune()

    assert pruned == 3
    assert set(store.events) == recent | on_the_cutoff
    assert not old & set(store.events)


def test_a_backlog_is_pruned_in_small_batches_each_committed_on_its_own() -> None:
    store = Store()
    _records(store, 25, 2 * WEEK)
    recent = _records(store, 5, timedelta(hours=1))
    pruning = Pruning(store, RetentionPolicy(keep=WEEK, batch_size=10))

    assert pruning.pruner.prune() == 25

    assert pruning.reported == [10, 10, 5]
    assert store.commits == 3
    assert pruning.pauses == [0.1, 0.1]  # between batches, not after the last
    assert set(store.events) == recent


def test_the_oldest_records_go_first() -> None:
    store = Store()
    oldest = _records(store, 4, 4 * WEEK)
    _records(store, 4, 2 * WEEK)

    Pruning(store, RetentionPolicy(keep=WEEK, batch_size=4)).pruner.prune(stopping=lambda: True)

    assert not oldest & set(store.events)
    assert len(store.events) == 4


def test_a_batch_that_fills_up_exactly_is_followed_by_one_that_finds_nothing() -> None:
    store = Store()
    _records(store, 10, 2 * WEEK)
    pruning = Pruning(store, RetentionPolicy(keep=WEEK, batch_size=10))

    assert pruning.pruner.prune() == 10
    assert pruning.reported == [10]
    assert store.commits == 2


def test_nothing_to_prune_reports_nothing() -> None:
    store = Store()
    _records(store, 3, timedelta(days=1))
    pruning = Pruning(store, RetentionPolicy(keep=WEEK))

    assert pruning.pruner.prune() == 0
    assert pruning.reported == []
    assert len(store.events) == 3


def test_a_stop_ends_the_run_after_the_batch_under_way() -> None:
    store = Store()
    _records(store, 30, 2 * WEEK)
    pruning = Pruning(store, RetentionPolicy(keep=WEEK, batch_size=10))

    assert pruning.pruner.prune(stopping=lambda: True) == 10
    assert len(store.events) == 20


def test_an_outage_leaves_every_record_in_place() -> None:
    store = Store()
    _records(store, 3, 2 * WEEK)
    store.down = True

    with pytest.raises(StoreUnavailable):
        Pruning(store, RetentionPolicy(keep=WEEK)).pruner.prune()
    assert len(store.events) == 3


def test_only_sent_skipped_failed_and_uncertain_emails_count_as_settled() -> None:
    assert {status.value for status in SETTLED} == {"sent", "skipped", "failed", "uncertain"}


@pytest.mark.parametrize("status", sorted(SETTLED))
def test_settled_emails_past_the_retention_are_pruned_and_recent_ones_kept(
    status: DeliveryStatus,
) -> None:
    store = Store()
    old = _emails(store, 3, status, WEEK + timedelta(seconds=1))
    recent = _emails(store, 2, status, WEEK - timedelta(seconds=1))
    on_the_cutoff = _emails(store, 1, status, WEEK)
    notifications = set(store.notifications)

    pruned = Pruning(store, RetentionPolicy(keep=WEEK), SettledEmailPruner).pruner.prune()

    assert pruned == 3
    assert set(store.deliveries) == recent | on_the_cutoff
    assert not old & set(store.deliveries)
    # Only the e-mails go: the notifications are the user's, the records have their own pruner.
    assert set(store.notifications) == notifications
    assert set(store.events) == old | recent | on_the_cutoff


@pytest.mark.parametrize("status", [DeliveryStatus.PENDING, DeliveryStatus.SENDING])
def test_emails_still_owed_or_in_flight_are_never_pruned_however_old(
    status: DeliveryStatus,
) -> None:
    store = Store()
    owed = _emails(store, 5, status, 52 * WEEK)
    settled = _emails(store, 5, DeliveryStatus.SENT, 52 * WEEK)

    pruned = Pruning(store, RetentionPolicy(keep=WEEK), SettledEmailPruner).pruner.prune()

    assert pruned == 5
    assert set(store.deliveries) == owed
    assert not settled & set(store.deliveries)


def test_an_email_is_aged_from_when_it_settled_not_from_when_it_was_owed() -> None:
    store = Store()
    settled_late = _emails(store, 2, DeliveryStatus.FAILED, timedelta(days=1), owed_for=4 * WEEK)

    assert Pruning(store, RetentionPolicy(keep=WEEK), SettledEmailPruner).pruner.prune() == 0
    assert set(store.deliveries) == settled_late


def test_a_backlog_of_settled_emails_is_pruned_oldest_first_in_small_batches() -> None:
    store = Store()
    oldest = _emails(store, 10, DeliveryStatus.SKIPPED, 4 * WEEK)
    older = _emails(store, 15, DeliveryStatus.SENT, 2 * WEEK)
    owed = _emails(store, 4, DeliveryStatus.PENDING, 4 * WEEK)
    recent = _emails(store, 5, DeliveryStatus.SENT, timedelta(hours=1))
    pruning = Pruning(store, RetentionPolicy(keep=WEEK, batch_size=10), SettledEmailPruner)

    assert pruning.pruner.prune(stopping=lambda: True) == 10
    assert set(store.deliveries) == older | owed | recent, "the oldest batch goes first"

    assert pruning.pruner.prune() == 15
    assert pruning.reported == [10, 10, 5]
    assert store.commits == 3
    assert pruning.pauses == [0.1]  # between batches, not after the last nor after a stop
    assert set(store.deliveries) == owed | recent
    assert not oldest & set(store.deliveries)


def test_an_outage_leaves_every_email_in_place() -> None:
    store = Store()
    _emails(store, 3, DeliveryStatus.SENT, 2 * WEEK)
    store.down = True

    with pytest.raises(StoreUnavailable):
        Pruning(store, RetentionPolicy(keep=WEEK), SettledEmailPruner).pruner.prune()
    assert len(store.deliveries) == 3


class FailingPruner:
    """Fails as an unreachable database would, then as a bug would, then asks for a stop."""

    def __init__(self, stop: threading.Event) -> None:
        self.runs = 0
        self._stop = stop

    def prune(self, stopping: object) -> int:
        self.runs += 1
        if self.runs == 1:
            raise StoreUnavailable("the database is down")
        if self.runs == 2:
            raise RuntimeError("a bug")
        self._stop.set()
        return 0


def test_the_worker_keeps_pruning_after_an_outage_or_a_failure() -> None:
    stop = threading.Event()
    pruner = FailingPruner(stop)

    prune_until_stopped([pruner], RetentionPolicy(keep=WEEK, every=timedelta(0)), stop)

    assert pruner.runs == 3


class Stopper:
    """The last pruner of a round: asks for a stop."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def prune(self, stopping: object) -> int:
        self._stop.set()
        return 0


def test_a_pruner_that_fails_does_not_keep_the_next_one_from_running() -> None:
    stop = threading.Event()
    store = Store()
    _emails(store, 3, DeliveryStatus.SENT, 2 * WEEK)
    emails = Pruning(store, RetentionPolicy(keep=WEEK), SettledEmailPruner).pruner
    failing = FailingPruner(threading.Event())  # the database is down for it

    prune_until_stopped(
        [failing, emails, Stopper(stop)], RetentionPolicy(keep=WEEK, every=timedelta(0)), stop
    )

    assert failing.runs == 1
    assert store.deliveries == {}
