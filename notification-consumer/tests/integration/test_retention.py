"""Pruning processed-event records and settled e-mails on the real database: rows past the
retention go, in batches, recent ones stay, e-mails still owed or in flight stay however old,
notifications stay, and an index serves each prune. The test's rows are dated around the year
2000, so that no other row is past its cutoff."""

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, Executable, create_engine, delete, event, select
from sqlalchemy.exc import IntegrityError

from notification_consumer.db.deliveries import PRUNE_SETTLED, EmailDeliveries
from notification_consumer.db.events import PRUNE
from notification_consumer.db.models import EmailDeliveryRow, NotificationRow, ProcessedEventRow
from notification_consumer.db.unit_of_work import SqlUnitOfWork
from notification_consumer.domain.emails import DeliveryStatus
from notification_consumer.domain.events import parse_event
from notification_consumer.domain.retention import RetentionPolicy
from notification_consumer.service.events import EventHandler
from notification_consumer.service.retention import ProcessedEventPruner, SettledEmailPruner
from notification_consumer.settings import WorkerSettings
from taskwire_events import RawMessage

from .conftest import cloud_event

NOW = datetime(2000, 2, 1, tzinfo=UTC)
POLICY = RetentionPolicy(keep=timedelta(days=30), batch_size=7)  # cutoff: 2 January 2000
OLD = datetime(1999, 12, 1, tzinfo=UTC)
RECENT = datetime(2000, 1, 20, tzinfo=UTC)
LATER = datetime(2100, 1, 1, tzinfo=UTC)  # a retry due then is never claimed by the running worker
Row = type[ProcessedEventRow] | type[NotificationRow] | type[EmailDeliveryRow]


@pytest.fixture
def engine() -> Iterator[Engine]:
    """The worker's own database role and URL."""
    engine = create_engine(WorkerSettings.from_env().database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def event_ids(engine: Engine) -> Iterator[list[uuid.UUID]]:
    """Ids of the events a test stores; their rows are deleted when it ends."""
    ids: list[uuid.UUID] = []
    yield ids
    with engine.begin() as connection:
        for row in (EmailDeliveryRow, NotificationRow, ProcessedEventRow):
            connection.execute(delete(row).where(row.event_id.in_(ids)))


def _handled(engine: Engine, at: datetime, count: int, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Events stored by the worker's own use case as if it were `at`: a record, a notification
    and an owed e-mail each (their owner is unknown to the realm: the e-mail is skipped)."""
    owner = str(uuid.uuid4())
    batch = []
    for n in range(count):
        value = json.dumps(cloud_event(owner, title=f"retention {n}")).encode()
        batch.append((parse_event(value), RawMessage("task-events", 0, n, None, value)))
    ids += [event.id for event, _ in batch]
    EventHandler(lambda: SqlUnitOfWork(engine), clock=lambda: at).handle_events(batch)
    return {event.id for event, _ in batch}


# How the worker's own repository puts an e-mail into each status, as if at the given time.
_MOVES: dict[DeliveryStatus, Callable[[EmailDeliveries, uuid.UUID, datetime], None]] = {
    DeliveryStatus.PENDING: lambda d, i, at: d.retry_later(i, 1, "SMTP: 421", LATER, at),
    DeliveryStatus.SENDING: lambda d, i, at: d.mark_sending(i, "someone@example.test", at),
    DeliveryStatus.SENT: lambda d, i, at: d.mark_sent(i, "250 OK", at),
    DeliveryStatus.SKIPPED: lambda d, i, at: d.mark_skipped(i, "no address", at),
    DeliveryStatus.FAILED: lambda d, i, at: d.mark_failed(i, 10, "SMTP refused: 550", at),
    DeliveryStatus.UNCERTAIN: lambda d, i, at: d.mark_uncertain(i, "hang-up", at),
}


def _emails(
    engine: Engine, status: DeliveryStatus, at: datetime, count: int, ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """E-mails of events handled at `at`, put in `status` at `at` (a pending one is due in
    2100, so that the running worker's dispatchers leave it alone)."""
    made = _handled(engine, at, count, ids)
    with SqlUnitOfWork(engine) as uow:
        for event_id in made:
            _MOVES[status](uow.deliveries, event_id, at)
        uow.commit()
    return made


def _recorded(engine: Engine, row: Row, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The event ids among `ids` that have a row in `row`'s table."""
    with engine.connect() as connection:
        return set(connection.scalars(select(row.event_id).where(row.event_id.in_(ids))))


def test_records_past_the_retention_are_pruned_in_batches_and_recent_ones_kept(
    engine: Engine, event_ids: list[uuid.UUID]
) -> None:
    old = _emails(engine, DeliveryStatus.SKIPPED, OLD, 20, event_ids)
    recent = _handled(engine, RECENT, 5, event_ids)
    reported: list[int] = []
    pruner = ProcessedEventPruner(
        lambda: SqlUnitOfWork(engine),
        POLICY,
        on_pruned=reported.append,
        clock=lambda: NOW,
        sleep=lambda seconds: None,
    )

    pruned = pruner.prune()

    assert _recorded(engine, ProcessedEventRow, event_ids) == recent, "wrong records pruned"
    # The running worker prunes what is past its own retention too and might take some of
    # these first: the count is at most what the test made, a batch at a time.
    assert pruned <= len(old)
    assert sum(reported) == pruned
    assert all(0 < n <= POLICY.batch_size for n in reported)
    # Notifications outlive the records of their events.
    assert _recorded(engine, NotificationRow, event_ids) == old | recent


def test_the_record_of_an_event_whose_email_is_still_owed_outlives_the_retention(
    engine: Engine, event_ids: list[uuid.UUID]
) -> None:
    # The sender reads an owed e-mail's source through its event's record: pruning the record
    # would strand the e-mail, so it stays until the e-mail settles.
    owed = _emails(engine, DeliveryStatus.PENDING, OLD, 3, event_ids)
    settled = _emails(engine, DeliveryStatus.SENT, OLD, 3, event_ids)

    ProcessedEventPruner(
        lambda: SqlUnitOfWork(engine), POLICY, clock=lambda: NOW, sleep=lambda seconds: None
    ).prune()

    assert _recorded(engine, ProcessedEventRow, event_ids) == owed
    assert _recorded(engine, EmailDeliveryRow, event_ids) == owed | settled


def test_an_event_redelivered_after_its_record_was_pruned_is_still_not_notified_twice(
    engine: Engine, event_ids: list[uuid.UUID]
) -> None:
    [event_id] = _emails(engine, DeliveryStatus.SENT, OLD, 1, event_ids)
    ProcessedEventPruner(lambda: SqlUnitOfWork(engine), POLICY, clock=lambda: NOW).prune()
    value = json.dumps(cloud_event(str(uuid.uuid4()), event_id=str(event_id))).encode()
    handler = EventHandler(lambda: SqlUnitOfWork(engine), clock=lambda: NOW)

    # Past its retention an event is no longer recognised by its record; the notification's
    # own UNIQUE (event_id) refuses it (the worker then dead-letters it), and nothing changes.
    with pytest.raises(IntegrityError):
        handler.handle_events([(parse_event(value), RawMessage("task-events", 0, 1, None, value))])
    assert _recorded(engine, ProcessedEventRow, event_ids) == set()
    assert _recorded(engine, NotificationRow, event_ids) == {event_id}


def test_the_prune_reads_the_oldest_records_through_an_index(engine: Engine) -> None:
    # Whatever the table's size now: with sequential scans priced out, only an index on
    # processed_at can serve the query.
    plan = _plan(engine, PRUNE)
    assert any("processed_events_processed_at" in line for line in plan), "\n".join(plan)


def test_settled_emails_past_the_retention_are_pruned_in_batches_and_owed_ones_kept(
    engine: Engine, event_ids: list[uuid.UUID]
) -> None:
    settled = (
        DeliveryStatus.SENT,
        DeliveryStatus.SKIPPED,
        DeliveryStatus.FAILED,
        DeliveryStatus.UNCERTAIN,
    )
    old = set().union(*(_emails(engine, status, OLD, 4, event_ids) for status in settled))
    owed = _emails(engine, DeliveryStatus.PENDING, OLD, 3, event_ids)
    # The running worker reports a long-`sending` e-mail `uncertain` (as of now): kept either way.
    in_flight = _emails(engine, DeliveryStatus.SENDING, OLD, 2, event_ids)
    recent = _emails(engine, DeliveryStatus.SENT, RECENT, 3, event_ids)
    reported: list[int] = []
    pruner = SettledEmailPruner(
        lambda: SqlUnitOfWork(engine),
        POLICY,
        on_pruned=reported.append,
        clock=lambda: NOW,
        sleep=lambda seconds: None,
    )

    pruned = pruner.prune()

    assert _recorded(engine, EmailDeliveryRow, event_ids) == owed | in_flight | recent
    # As above: the running worker may take some of the old ones first.
    assert pruned <= len(old)
    assert sum(reported) == pruned
    assert all(0 < n <= POLICY.batch_size for n in reported)
    # The e-mails go alone: the notifications are the user's, the records have their own prune.
    everything = old | owed | in_flight | recent
    assert _recorded(engine, NotificationRow, event_ids) == everything
    assert _recorded(engine, ProcessedEventRow, event_ids) == everything


def test_the_prune_reads_the_oldest_settled_emails_through_their_index(engine: Engine) -> None:
    plan = _plan(engine, PRUNE_SETTLED)
    assert any("email_deliveries_settled" in line for line in plan), "\n".join(plan)


def _plan(engine: Engine, prune: Executable) -> list[str]:
    """The plan of a prune with sequential scans priced out, EXPLAINed exactly as the driver
    sends it, status lists included (a partial index serves it only if that list implies the
    index's predicate)."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")

        @event.listens_for(connection, "before_cursor_execute", retval=True)
        def explain(*args: Any) -> tuple[str, Any]:
            statement, parameters = args[2], args[3]
            return f"EXPLAIN {statement}", parameters

        result = connection.execute(prune, {"before": NOW, "limit": POLICY.batch_size})
        return list(result.scalars().all())
