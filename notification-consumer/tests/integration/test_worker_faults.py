"""The worker under faults on the real stack. Each test puts back what it broke, even when it
fails, and stays well under two minutes."""

import json
import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable

import pytest
import requests

from taskwire_testkit import (
    Mailbox,
    NotificationStore,
    assert_every_event_notified_exactly_once,
    assert_no_event_emailed_twice,
)

from .conftest import WORKER, WORKER_PORT, Events, Reader, Supervisor, cloud_event, eventually

# kafka-python 3.0.12 leaves the socket of each refused connection attempt (a worker being
# killed and restarted) to the garbage collector: an unclosed-socket warning, not our leak.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)

TYPES = ["task.created", "task.updated", "task.completed", "task.deleted"]
MAIL_HTTP_PORT = int(os.environ.get("MAIL_HTTP_PORT", "8025"))


def _mailsink_ready() -> bool:
    try:
        url = f"http://127.0.0.1:{MAIL_HTTP_PORT}/api/healthz"
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _worker_back(supervisor: Supervisor) -> None:
    if supervisor.pid(WORKER) == 0:
        supervisor.ctl("start", WORKER)
    eventually(lambda: supervisor.ready(WORKER_PORT), timeout=60, every=0.5)


def test_emails_wait_while_the_smtp_server_is_down_and_go_out_once_when_it_is_back(
    reader: Callable[[], Reader],
    events: Events,
    mailbox: Mailbox,
    notification_store: NotificationStore,
    supervisor: Supervisor,
) -> None:
    alice = reader()
    sent = [cloud_event(alice.user.id, title=f"during the outage {n}") for n in range(10)]
    ids = [e["id"] for e in sent]
    supervisor.ctl("stop", "mailsink")
    try:
        for event in sent:
            events.publish(event)
        # The notifications themselves do not wait for SMTP.
        eventually(lambda: len(alice.get(limit=100).json()["items"]) == 10, timeout=10)
        time.sleep(3)  # the worker is refused a few times meanwhile
        assert set(notification_store.delivery_statuses(ids).values()) == {"pending"}
    finally:
        supervisor.ctl("start", "mailsink")
        eventually(_mailsink_ready, timeout=30, every=0.5)
    eventually(lambda: len(mailbox.mails_to(alice.user.email)) >= 10, timeout=60, every=0.5)
    time.sleep(2)  # a second copy would have had time to arrive
    assert sorted(mailbox.event_ids_mailed_to(alice.user.email)) == sorted(ids)
    assert set(notification_store.delivery_statuses(ids).values()) == {"sent"}


def test_sigterm_stops_the_worker_cleanly_and_it_resumes_where_it_stopped(
    reader: Callable[[], Reader], events: Events, supervisor: Supervisor
) -> None:
    alice = reader()
    event = cloud_event(alice.user.id)
    try:
        began = time.monotonic()
        assert "stopped" in supervisor.ctl("stop", WORKER)  # SIGTERM, then waits for the exit
        assert time.monotonic() - began < 15
        events.publish(event)
        time.sleep(1)
        assert alice.find(event["id"]) is None
    finally:
        _worker_back(supervisor)
    eventually(lambda: alice.find(event["id"]), timeout=20)


def test_a_worker_killed_again_and_again_mid_stream_stores_each_event_once_and_mails_at_most_once(
    reader: Callable[[], Reader],
    events: Events,
    mailbox: Mailbox,
    notification_store: NotificationStore,
    supervisor: Supervisor,
) -> None:
    # 2,000 events; every fifth is for one of four real users and owes an e-mail, the rest are
    # for owners unknown to the realm (no e-mail) so that the mail sink is not flooded.
    mailed = [reader() for _ in range(4)]
    stream = []
    for n in range(2000):
        owner = mailed[(n // 5) % 4].user.id if n % 5 == 0 else str(uuid.uuid4())
        stream.append(cloud_event(owner, random.choice(TYPES), title=f"stream {n}"))
    ids = [e["id"] for e in stream]

    def publish() -> None:
        for n, event in enumerate(stream):
            events.publish_raw(json.dumps(event).encode(), event["subject"].encode(), wait=False)
            if n % 20 == 19:
                time.sleep(0.2)  # a steady ~100 events/s over ~20 s
        events.flush()

    publisher = threading.Thread(target=publish)
    kills = 0
    try:
        publisher.start()
        while kills < 5:
            eventually(lambda: supervisor.ready(WORKER_PORT), timeout=60, every=0.2)
            time.sleep(random.uniform(1.5, 3.0))
            pid = supervisor.pid(WORKER)
            assert pid > 0
            os.kill(pid, signal.SIGKILL)
            kills += 1
        publisher.join(timeout=60)
    finally:
        publisher.join(timeout=60)
        _worker_back(supervisor)

    owed = [e["id"] for n, e in enumerate(stream) if n % 5 == 0]
    assert_every_event_notified_exactly_once(notification_store, ids, timeout=90)
    emails = assert_no_event_emailed_twice(
        notification_store, mailbox, owed, [r.user.email for r in mailed], timeout=90
    )
    print(
        f"{kills} kills: {len(emails.sent)} sent, {len(emails.uncertain)} uncertain"
        f" of {len(owed)} e-mails"
    )
