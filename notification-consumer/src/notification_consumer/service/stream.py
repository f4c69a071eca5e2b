"""The notification stream: one feed poller per process fans new notifications out to the open
streams of their owners; a stream ends when its token expires or its session ends."""

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

from notification_consumer.db.unit_of_work import UnitOfWork
from notification_consumer.domain.errors import StoreUnavailable, TooManyStreams
from notification_consumer.domain.stream import (
    StreamedNotification,
    StreamPosition,
    comment_frame,
    end_frame,
    event_frame,
    retry_frame,
)
from notification_consumer.service.ports import FeedWakeup
from taskwire_auth import Principal

log = logging.getLogger(__name__)

RETRY_MILLIS = 3000  # what a client waits before reconnecting to an ended stream
TOKEN_EXPIRED, SESSION_ENDED, SHUTTING_DOWN, TOO_SLOW = (
    "token_expired",
    "session_ended",
    "shutting_down",
    "too_slow",
)


@dataclass(frozen=True)
class StreamLimits:
    per_owner: int  # open streams of one user on one instance
    total: int  # open streams on one instance
    heartbeat_seconds: float = 15.0
    backlog: int = 1000  # undelivered batches a stream may fall behind before it is ended


class Subscription:
    """One open stream: its caller, where its live notifications begin, and its inbox."""

    def __init__(self, principal: Principal, start: StreamPosition, backlog: int) -> None:
        self.principal = principal
        self.owner = UUID(principal.subject)
        self.start = start
        self._inbox: queue.Queue[list[StreamedNotification] | None] = queue.Queue(backlog)
        self._ended: str | None = None

    def deliver(self, items: list[StreamedNotification]) -> None:
        try:
            self._inbox.put_nowait(items)
        except queue.Full:  # the client reads slower than it is written to: it resumes later
            self.end(TOO_SLOW)

    def end(self, reason: str) -> None:
        if self._ended is None:
            self._ended = reason
            # Wakes the reader; a full inbox wakes it anyway.
            with contextlib.suppress(queue.Full):
                self._inbox.put_nowait(None)

    def next(self, timeout: float) -> list[StreamedNotification] | str | None:
        """New notifications, the reason the stream ended, or None when `timeout` passed."""
        if self._ended is not None:
            return self._ended
        try:
            items = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return None
        return self._ended if items is None or self._ended is not None else items


class NotificationHub:
    """Thread-safe; under gevent its threads are greenlets. One database query loop per
    process, however many streams are open."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        wakeup: FeedWakeup,
        session_ended: Callable[[Principal], bool],
        limits: StreamLimits,
        clock: Callable[[], float] = time.time,
        poll_seconds: float = 1.0,
        sweep_seconds: float = 0.5,
        batch: int = 500,
        on_count: Callable[[int], None] = lambda _count: None,
        report_seconds: float = 5.0,
    ) -> None:
        self._uow = unit_of_work
        self._wakeup = wakeup
        self._session_ended = session_ended
        self.limits = limits
        self._now = clock
        self._poll_seconds = poll_seconds
        self._sweep_seconds = sweep_seconds
        self._batch = batch
        self._on_count = on_count  # told the number of open streams every `report_seconds`
        self._report_seconds = report_seconds
        self._lock = threading.Lock()
        self._streams: dict[UUID, set[Subscription]] = {}
        self._count = 0
        self._position: StreamPosition | None = None
        self._ready = threading.Event()
        self._stopped = threading.Event()

    def start(self) -> "NotificationHub":
        threading.Thread(target=self._run, name="notification-hub", daemon=True).start()
        return self

    def stop(self) -> None:
        """End every open stream (the process is going away) and the poller."""
        self._stopped.set()
        for subscription in self._all():
            subscription.end(SHUTTING_DOWN)

    def open(self, principal: Principal, ready_timeout: float = 5.0) -> Subscription:
        """Register a stream for the caller; raises TooManyStreams over the limits, and
        StoreUnavailable while the feed's position is not known yet."""
        if not self._ready.wait(ready_timeout) or self._position is None:
            raise StoreUnavailable("the notification feed is not being followed yet")
        owner = UUID(principal.subject)
        with self._lock:
            if self._count >= self.limits.total:
                raise TooManyStreams("this instance holds as many notification streams as it can")
            owned = self._streams.setdefault(owner, set())
            if len(owned) >= self.limits.per_owner:
                raise TooManyStreams(
                    f"at most {self.limits.per_owner} notification streams per user are open"
                )
            subscription = Subscription(principal, self._position, self.limits.backlog)
            owned.add(subscription)
            self._count += 1
        return subscription

    def close(self, subscription: Subscription) -> None:
        with self._lock:
            owned = self._streams.get(subscription.owner)
            if owned is None or subscription not in owned:
                return
            owned.discard(subscription)
            if not owned:
                del self._streams[subscription.owner]
            self._count -= 1

    def frames(self, subscription: Subscription, resume: StreamPosition | None) -> Iterator[str]:
        """The stream's text: what was missed since `resume` (the client's Last-Event-ID),
        then each new notification once, heartbeats while idle, and an `end` event."""
        try:
            yield retry_frame(RETRY_MILLIS) + comment_frame("connected")
            last = subscription.start
            if resume is not None:
                for item in self._replay(subscription.owner, resume, subscription.start):
                    yield event_frame(item)
                last = max(resume, subscription.start)
            while True:
                got = subscription.next(self.limits.heartbeat_seconds)
                if got is None:
                    yield comment_frame("heartbeat")
                elif isinstance(got, str):
                    yield end_frame(got)
                    return
                else:
                    fresh = [item for item in got if item.position > last]
                    if fresh:
                        last = fresh[-1].position
                        yield "".join(event_frame(item) for item in fresh)
        finally:
            self.close(subscription)

    def _replay(
        self, owner: UUID, after: StreamPosition, until: StreamPosition
    ) -> Iterator[StreamedNotification]:
        while after < until:
            with self._uow() as uow:
                page = uow.feed.owner_between(owner, after, until, self._batch)
            yield from page
            if len(page) < self._batch:
                return
            after = page[-1].position

    def _all(self) -> list[Subscription]:
        with self._lock:
            return [s for owned in self._streams.values() for s in owned]

    def _run(self) -> None:
        backoff = 0.5
        while not self._stopped.is_set():
            try:
                self._follow()
            except StoreUnavailable as error:
                log.warning(
                    "notification feed unavailable; retrying",
                    extra={"error": repr(error), "retry_in_s": backoff},
                )
                self._sweep()  # sessions still end while the database is away
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _follow(self) -> None:
        if self._position is None:
            with self._uow() as uow:
                self._position = uow.feed.latest()
            self._ready.set()
        last_poll = last_sweep = last_report = 0.0
        woke = pending = True
        while not self._stopped.is_set():
            if woke or pending or time.monotonic() - last_poll >= self._poll_seconds:
                last_poll = time.monotonic()
                pending = self._poll()
            if time.monotonic() - last_sweep >= self._sweep_seconds:
                last_sweep = time.monotonic()
                self._sweep()
            if time.monotonic() - last_report >= self._report_seconds:
                last_report = time.monotonic()
                self._on_count(self._count)
            woke = self._wakeup.wait(0.05 if pending else self._sweep_seconds)

    def _poll(self) -> bool:
        """Hand every notification after the position to its owner's streams; True when some
        committed ones wait behind an older transaction still running."""
        assert self._position is not None
        while True:
            with self._uow() as uow:
                items = uow.feed.after(self._position, self._batch)
                pending = len(items) < self._batch and uow.feed.pending(
                    items[-1].position if items else self._position
                )
            if not items:
                return pending
            self._dispatch(items)
            if len(items) < self._batch:
                return pending

    def _dispatch(self, items: list[StreamedNotification]) -> None:
        by_owner: dict[UUID, list[StreamedNotification]] = {}
        for item in items:
            by_owner.setdefault(item.notification.owner_id, []).append(item)
        with self._lock:
            for owner, owned_items in by_owner.items():
                for subscription in self._streams.get(owner, ()):
                    subscription.deliver(owned_items)
            self._position = items[-1].position

    def _sweep(self) -> None:
        now = self._now()
        for subscription in self._all():
            if now >= subscription.principal.expires_at:
                subscription.end(TOKEN_EXPIRED)
            elif self._session_ended(subscription.principal):
                subscription.end(SESSION_ENDED)
