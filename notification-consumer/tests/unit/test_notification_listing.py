"""Reading notifications: the owner's own, newest first, pages walked with tamper-evident
cursors that belong to one owner."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from notification_consumer.domain.errors import InvalidCursor
from notification_consumer.domain.notifications import Notification
from notification_consumer.service.notifications import NotificationService
from taskwire_events import EventType
from taskwire_sql import CursorCodec, uuid7

from .fakes import FakeUnitOfWork, Store

ALICE = UUID("00000000-0000-7000-8000-00000000a11c")
BOB = UUID("00000000-0000-7000-8000-000000000b0b")
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def notification(owner: UUID, n: int, at: datetime) -> Notification:
    return Notification(
        id=uuid7(),
        owner_id=owner,
        event_id=uuid7(),
        type=EventType.CREATED,
        task_id=uuid7(),
        title=f"task {n}",
        message=f"Your task \u201ctask {n}\u201d was created.",
        created_at=at,
    )


@pytest.fixture
def store() -> Store:
    store = Store()
    for n in range(25):
        # Pairs share a timestamp: the id breaks the tie, so no page repeats or skips one.
        for item in (
            notification(ALICE, n, START + timedelta(seconds=n // 2)),
            notification(BOB, n, START + timedelta(seconds=n)),
        ):
            store.notifications[item.id] = item
    return store


@pytest.fixture
def service(store: Store) -> NotificationService:
    return NotificationService(
        lambda: FakeUnitOfWork(store), CursorCodec("test-secret", InvalidCursor)
    )


def test_walking_all_pages_returns_each_own_notification_once_newest_first(
    service: NotificationService,
) -> None:
    seen: list[Notification] = []
    cursor = None
    while True:
        page = service.list_notifications(ALICE, 10, cursor)
        seen += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 25
    assert {n.owner_id for n in seen} == {ALICE}
    keys = [(n.created_at, n.id) for n in seen]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == 25


def test_the_last_page_has_no_next_cursor(service: NotificationService) -> None:
    assert service.list_notifications(ALICE, 100).next_cursor is None


def test_another_users_cursor_is_refused(service: NotificationService) -> None:
    cursor = service.list_notifications(BOB, 5).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursor, match="does not belong"):
        service.list_notifications(ALICE, 5, cursor)


@pytest.mark.parametrize("cursor", ["%%%", "AAAA", "x" * 40])
def test_a_forged_cursor_is_refused(service: NotificationService, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        service.list_notifications(ALICE, 5, cursor)


def test_a_tampered_cursor_is_refused(service: NotificationService) -> None:
    cursor = service.list_notifications(ALICE, 5).next_cursor
    assert cursor is not None
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    with pytest.raises(InvalidCursor):
        service.list_notifications(ALICE, 5, tampered)
