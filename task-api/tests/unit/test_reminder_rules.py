"""The reminder rules and the batch use case, on an in-memory store: one task.due_soon per task
and due date, committed with the record that it was sent."""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from task_api.domain.reminders import ReminderState, owes_reminder, reminder_event
from task_api.domain.tasks import Status, Task
from task_api.reminders.settings import duration
from task_api.service.reminders import ReminderService
from taskwire_settings.env import SettingsError

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=24)
OWNER = UUID("00000000-0000-7000-8000-00000000a11c")


def task(n: int = 1, due_in: timedelta | None = timedelta(hours=3), **fields: Any) -> Task:
    return Task(
        id=UUID(int=n),
        owner_id=OWNER,
        title=f"Task {n}",
        description=None,
        status=fields.pop("status", Status.TODO),
        due_date=None if due_in is None else NOW + due_in,
        completed_at=None,
        created_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1),
        **fields,
    )


def owes(t: Task, reminded_due: datetime | None = None) -> bool:
    return owes_reminder(ReminderState(t, reminded_due), NOW, WINDOW)


def test_a_task_due_within_the_window_is_owed_a_reminder() -> None:
    assert owes(task(due_in=timedelta(hours=23, minutes=59)))
    assert owes(task(due_in=WINDOW))


def test_a_task_due_beyond_the_window_is_not_owed_one_yet() -> None:
    assert not owes(task(due_in=WINDOW + timedelta(seconds=1)))


def test_a_task_without_a_due_date_is_never_reminded() -> None:
    assert not owes(task(due_in=None))


def test_a_done_task_is_owed_no_reminder() -> None:
    assert not owes(task(status=Status.DONE))


def test_a_task_reminded_of_its_due_date_is_not_reminded_again() -> None:
    t = task()
    assert not owes(t, reminded_due=t.due_date)


def test_moving_the_due_date_rearms_the_reminder() -> None:
    t = task()
    assert t.due_date is not None
    moved = replace(t, due_date=t.due_date + timedelta(hours=1))
    assert owes(moved, reminded_due=t.due_date)


def test_a_task_whose_due_date_passed_unreminded_is_reminded_late_rather_than_never() -> None:
    assert owes(task(due_in=-timedelta(hours=2)))


def test_the_reminder_is_a_due_soon_cloudevent_carrying_the_task() -> None:
    t = task()
    event = reminder_event(UUID(int=99), t, NOW)
    assert event["type"] == "task.due_soon"
    assert event["subject"] == str(t.id)
    assert event["id"] == str(UUID(int=99))
    assert event["data"] == {**t.as_api(), "owner_id": str(OWNER)}
    assert "requestid" not in event


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", timedelta(seconds=90)), ("15m", timedelta(minutes=15)), ("24h", WINDOW)],
)
def test_durations_are_read_in_seconds_minutes_or_hours(text: str, expected: timedelta) -> None:
    assert duration("REMINDER_WINDOW", text) == expected


@pytest.mark.parametrize("text", ["", "24", "0h", "-5m", "1d", "1.5h", "h"])
def test_anything_else_is_refused_at_start(text: str) -> None:
    with pytest.raises(SettingsError):
        duration("REMINDER_WINDOW", text)


# --- The batch use case on a fake store -------------------------------------------------------


@dataclass
class Store:
    tasks: dict[UUID, Task] = field(default_factory=dict)
    reminded: dict[UUID, datetime | None] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    fail_after_events: int | None = None  # the process "dies" after writing this many events


class FakeReminders:
    def __init__(self, store: Store, pending: dict[UUID, datetime | None]) -> None:
        self._store, self._pending = store, pending

    def claim(self, horizon: datetime, limit: int) -> list[ReminderState]:
        # What the SQL scan selects: owed by the same rule, in due-date order.
        store = self._store
        states = [ReminderState(t, store.reminded.get(t.id)) for t in store.tasks.values()]
        owed = [
            s
            for s in states
            if s.task.status is not Status.DONE
            and s.task.due_date is not None
            and s.reminded_due != s.task.due_date
            and s.task.due_date <= horizon
        ]
        return sorted(owed, key=lambda s: s.task.due_date or NOW)[:limit]

    def mark_sent(self, tasks: list[Task]) -> None:
        for t in tasks:
            self._pending[t.id] = t.due_date


class FakeOutbox:
    def __init__(self, store: Store, pending: list[dict[str, Any]]) -> None:
        self._store, self._pending = store, pending

    def add(self, event: dict[str, Any], request_id: str | None) -> None:
        limit = self._store.fail_after_events
        if limit is not None and len(self._store.events) + len(self._pending) >= limit:
            raise ConnectionError("the process died mid-batch")
        self._pending.append(event)


class FakeUnitOfWork:
    """Writes become visible on commit only, like the transaction they stand for."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._events: list[dict[str, Any]] = []
        self._reminded: dict[UUID, datetime | None] = {}
        self.reminders = FakeReminders(store, self._reminded)
        self.outbox = FakeOutbox(store, self._events)

    def __enter__(self) -> "FakeUnitOfWork":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self._store.events += self._events
        self._store.reminded |= self._reminded


def service(store: Store, batch_size: int = 2) -> ReminderService:
    ids = iter(range(1000, 2000))
    return ReminderService(
        lambda: FakeUnitOfWork(store),  # type: ignore[arg-type, return-value]
        WINDOW,
        batch_size,
        clock=lambda: NOW,
        new_id=lambda: UUID(int=next(ids)),
    )


def store_of(*tasks: Task) -> Store:
    return Store(tasks={t.id: t for t in tasks})


def test_a_scan_sends_one_reminder_per_owed_task_in_bounded_batches() -> None:
    store = store_of(*(task(n, due_in=timedelta(hours=n)) for n in range(1, 6)))
    scan = service(store, batch_size=2).scan()
    assert scan.sent == 5
    assert scan.batches == 3  # 2 + 2 + 1: the short batch ends the scan
    assert [e["subject"] for e in store.events] == [str(UUID(int=n)) for n in range(1, 6)]


def test_a_second_scan_sends_nothing_more() -> None:
    store = store_of(task(1), task(2))
    service(store).scan()
    again = service(store).scan()
    assert again.sent == 0
    assert len(store.events) == 2


def test_a_moved_due_date_is_reminded_again_and_a_completed_task_is_not() -> None:
    store = store_of(task(1), task(2))
    service(store).scan()
    first = store.tasks[UUID(int=1)]
    assert first.due_date is not None
    store.tasks[UUID(int=1)] = replace(first, due_date=first.due_date + timedelta(hours=1))
    store.tasks[UUID(int=3)] = task(3, status=Status.DONE)
    assert service(store).scan().sent == 1
    assert [e["subject"] for e in store.events][-1] == str(UUID(int=1))


def test_a_crash_mid_batch_sends_none_of_that_batch_and_the_next_run_sends_each_once() -> None:
    store = store_of(*(task(n, due_in=timedelta(hours=n)) for n in range(1, 6)))
    store.fail_after_events = 3  # dies writing the second event of the second batch
    with pytest.raises(ConnectionError):
        service(store, batch_size=2).scan()
    assert len(store.events) == 2  # the first batch only, committed with its records
    store.fail_after_events = None
    service(store, batch_size=2).scan()
    subjects = [e["subject"] for e in store.events]
    assert sorted(subjects) == sorted(str(UUID(int=n)) for n in range(1, 6))


def test_a_scan_stops_between_batches_when_asked_to() -> None:
    store = store_of(*(task(n) for n in range(1, 6)))
    asked = iter([True, False])
    scan = service(store, batch_size=2).scan(running=lambda: next(asked))
    assert scan.batches == 1
    assert len(store.events) == 2
