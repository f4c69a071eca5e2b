"""The notification stream's logic on an in-memory feed: fan-out to the owner only, resume
without gaps or repeats, ends on logout and expiry, limits; and its SSE frames."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Self
from uuid import UUID, uuid4

import pytest

from notification_consumer.domain.errors import InvalidStreamPosition, TooManyStreams
from notification_consumer.domain.notifications import Notification
from notification_consumer.domain.stream import (
    ORIGIN,
    StreamedNotification,
    StreamPosition,
    event_frame,
)
from notification_consumer.service.stream import (
    SESSION_ENDED,
    TOKEN_EXPIRED,
    NotificationHub,
    StreamLimits,
    Subscription,
)
from taskwire_auth import Principal
from taskwire_events import EventType

ALICE, BOB = uuid4(), uuid4()
NOW = 1_000_000.0


class Feed:
    """Committed notifications in commit order; `visible` of them are below the horizon."""

    def __init__(self) -> None:
        self.rows: list[StreamedNotification] = []
        self.visible = 0
        self.lock = threading.Lock()

    def commit(self, owner: UUID, title: str, visible: bool = True) -> StreamedNotification:
        with self.lock:
            item = _streamed(len(self.rows) + 1, owner, title)
            self.rows.append(item)
            if visible:
                self.visible = len(self.rows)
            return item

    def after(self, position: StreamPosition, limit: int) -> list[StreamedNotification]:
        with self.lock:
            return [r for r in self.rows[: self.visible] if r.position > position][:limit]

    def owner_between(
        self, owner: UUID, after: StreamPosition, until: StreamPosition, limit: int
    ) -> list[StreamedNotification]:
        with self.lock:
            return [
                r
                for r in self.rows[: self.visible]
                if r.notification.owner_id == owner and after < r.position <= until
            ][:limit]

    def pending(self, position: StreamPosition) -> bool:
        with self.lock:
            return any(r.position > position for r in self.rows[self.visible :])

    def latest(self) -> StreamPosition:
        with self.lock:
            return self.rows[self.visible - 1].position if self.visible else ORIGIN


class Scope:
    def __init__(self, feed: Feed) -> None:
        self.feed = feed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class Wakeup:
    def __init__(self) -> None:
        self.event = threading.Event()

    def wait(self, timeout: float) -> bool:
        woke = self.event.wait(timeout)
        self.event.clear()
        return woke


def _streamed(xid: int, owner: UUID, title: str) -> StreamedNotification:
    notification = Notification(
        id=uuid4(),
        owner_id=owner,
        event_id=uuid4(),
        type=EventType.CREATED,
        task_id=uuid4(),
        title=title,
        message=f"Your task “{title}” was created.",
        created_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
    )
    return StreamedNotification(StreamPosition(xid, notification.id), notification)


def _principal(owner: UUID, sid: str = "s1", expires_at: float = NOW + 300) -> Principal:
    return Principal(
        subject=str(owner),
        username=None,
        email=None,
        roles=frozenset({"user"}),
        session_id=sid,
        issued_at=int(NOW),
        expires_at=int(expires_at),
    )


class World:
    def __init__(self, per_owner: int = 3) -> None:
        self.feed = Feed()
        self.wakeup = Wakeup()
        self.ended: set[str] = set()
        self.now = NOW
        self.hub = NotificationHub(
            lambda: Scope(self.feed),  # type: ignore[arg-type,return-value]
            self.wakeup,
            lambda p: p.session_id in self.ended,
            StreamLimits(per_owner=per_owner, total=10, heartbeat_seconds=60),
            clock=lambda: self.now,
            poll_seconds=0.05,
            sweep_seconds=0.01,
        )

    def commit(self, owner: UUID, title: str) -> StreamedNotification:
        item = self.feed.commit(owner, title)
        self.wakeup.event.set()
        return item


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    w.hub.start()
    yield w
    w.hub.stop()


def _titles(frames: Iterator[str], count: int) -> list[str]:
    """The titles of the next `count` notification events, skipping comments."""
    titles: list[str] = []
    while len(titles) < count:
        frame = next(frames)
        for event in frame.split("\n\n"):
            data = [line[6:] for line in event.split("\n") if line.startswith("data: ")]
            if data and event.startswith("id: "):
                titles.append(json.loads(data[0])["title"])
    return titles


def test_a_notification_reaches_its_owners_stream_and_no_one_elses(world: World) -> None:
    alice = world.hub.open(_principal(ALICE))
    bob = world.hub.open(_principal(BOB, sid="s2"))
    world.commit(BOB, "bob's")
    world.commit(ALICE, "alice's")
    assert _titles(world.hub.frames(alice, None), 1) == ["alice's"]
    assert _titles(world.hub.frames(bob, None), 1) == ["bob's"]


def test_resuming_sends_what_was_missed_once_then_what_is_new(world: World) -> None:
    first = world.commit(ALICE, "one")
    world.commit(ALICE, "two")
    world.commit(ALICE, "three")
    subscription = _opened_after(world, world.feed.rows[-1].position)
    frames = world.hub.frames(subscription, first.position)
    assert _titles(frames, 2) == ["two", "three"]
    world.commit(ALICE, "four")
    assert _titles(frames, 1) == ["four"]


def test_a_notification_held_back_by_an_older_transaction_is_sent_after_it_not_lost(
    world: World,
) -> None:
    subscription = world.hub.open(_principal(ALICE))
    world.feed.commit(ALICE, "older, still running", visible=False)
    frames = world.hub.frames(subscription, None)
    next(frames)  # connected
    world.commit(ALICE, "newer")  # both visible now, in commit order
    assert _titles(frames, 2) == ["older, still running", "newer"]


def test_a_logged_out_session_ends_its_stream(world: World) -> None:
    subscription = world.hub.open(_principal(ALICE, sid="gone"))
    world.ended.add("gone")
    assert subscription.next(timeout=30) == SESSION_ENDED


def test_an_expired_token_ends_its_stream(world: World) -> None:
    subscription = world.hub.open(_principal(ALICE, expires_at=NOW + 60))
    world.now = NOW + 61
    assert subscription.next(timeout=30) == TOKEN_EXPIRED


def test_an_ended_stream_says_why_last(world: World) -> None:
    subscription = world.hub.open(_principal(ALICE, sid="gone"))
    frames = list(_until_end(world, subscription))
    assert frames[-1] == 'event: end\ndata: {"reason":"session_ended"}\n\n'


def test_a_user_holds_at_most_the_limit_of_streams() -> None:
    w = World(per_owner=2)
    w.hub.start()
    try:
        w.hub.open(_principal(ALICE))
        w.hub.open(_principal(ALICE))
        with pytest.raises(TooManyStreams):
            w.hub.open(_principal(ALICE))
        w.hub.open(_principal(BOB))
    finally:
        w.hub.stop()


def test_an_event_frame_is_one_id_and_one_data_line() -> None:
    item = _streamed(42, ALICE, "multi\nline title")
    lines = event_frame(item).split("\n")
    assert lines[0] == f"id: 42-{item.notification.id}"
    assert lines[1].startswith("data: ")
    assert json.loads(lines[1][6:]) == item.notification.as_api()
    assert lines[2:] == ["", ""]


def test_a_position_reads_back_what_it_wrote_and_refuses_anything_else() -> None:
    position = StreamPosition(123, uuid4())
    assert StreamPosition.parse(str(position)) == position
    for bad in ["", "abc", "12-not-a-uuid", f"-1-{uuid4()}", "1" * 20 + f"-{uuid4()}"]:
        with pytest.raises(InvalidStreamPosition):
            StreamPosition.parse(bad)


def _opened_after(world: World, position: StreamPosition) -> Subscription:
    """A subscription whose live part starts after `position` (the hub has read that far)."""
    while True:
        subscription = world.hub.open(_principal(ALICE))
        if subscription.start >= position:
            return subscription
        world.hub.close(subscription)
        world.wakeup.event.set()
        threading.Event().wait(0.01)


def _until_end(world: World, subscription: Subscription) -> Iterator[str]:
    frames = world.hub.frames(subscription, None)
    yield next(frames)
    world.ended.add("gone")
    yield from frames
