"""The worker on the real stack: an event becomes one notification and one e-mail, however
often it arrives; poison goes to the dead-letter topic and the partition keeps moving; a
dead letter is replayed after a fix; the worker reports the dead letters no replay put back."""

import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from taskwire_testkit import Mailbox, NotificationStore, Stack

from .conftest import ROOT, Events, Reader, cloud_event, eventually

# A deadline, not a latency check (that is the benchmark's): the mail sink answers slowly, or
# 421, while the worker is still mailing an earlier test's backlog.
ARRIVAL = 60.0

DLQ = "task-events.dlq"
# The replay group of the stack's worker (WorkerSettings.dlq_replay_group).
REPLAY_GROUP = "notification-consumer.dlq-replay"
EXPORTER = f"http://127.0.0.1:{os.environ.get('STATSD_EXPORTER_PORT', '9102')}/metrics"


def test_an_event_is_stored_and_mailed_to_the_owner_with_its_ids(
    reader: Callable[[], Reader], events: Events, mailbox: Mailbox
) -> None:
    alice = reader()
    event = cloud_event(alice.user.id, "task.created", title="Pay rent", request_id="req-nc-1")
    events.publish(event)
    eventually(lambda: alice.find(event["id"]), timeout=ARRIVAL)
    [mail] = eventually(lambda: mailbox.mails_to(alice.user.email), timeout=ARRIVAL)
    assert mail["subject"] == "[Taskwire] Task created: Pay rent"
    assert "Your task \u201cPay rent\u201d was created." in mail["text"]
    assert mail["headers"]["x-taskwire-event-id"] == event["id"]
    assert mail["headers"]["x-request-id"] == "req-nc-1"
    assert mail["headers"]["message-id"] == f"<{event['id']}@notifications.taskwire.example>"


def test_duplicates_of_an_event_id_yield_one_notification_and_one_email(
    reader: Callable[[], Reader],
    events: Events,
    mailbox: Mailbox,
    notification_store: NotificationStore,
) -> None:
    alice = reader()
    event = cloud_event(alice.user.id, "task.updated", status="in_progress")
    for key in (b"a", b"b", event["subject"].encode()):  # on other partitions too
        events.publish(event, key=key)
    later = cloud_event(alice.user.id, "task.deleted")
    events.publish(later)
    eventually(lambda: alice.find(later["id"]), timeout=ARRIVAL)
    eventually(lambda: len(mailbox.mails_to(alice.user.email)) >= 2, timeout=ARRIVAL)
    time.sleep(2)  # a second copy would have had time to arrive
    assert notification_store.notification_counts([event["id"]]) == {event["id"]: 1}
    assert sorted(mailbox.event_ids_mailed_to(alice.user.email)) == sorted(
        [event["id"], later["id"]]
    )


def _dlq_end(stack: Stack) -> int:
    consumer = KafkaConsumer(**stack.kafka_admin, enable_auto_commit=False)
    try:
        partition = TopicPartition(DLQ, 0)
        end: int = consumer.end_offsets([partition])[partition]
        return end
    finally:
        consumer.close()


def _dead_letters_since(stack: Stack, offset: int, marker: bytes) -> list[Any]:
    consumer = KafkaConsumer(**stack.kafka_admin, enable_auto_commit=False)
    try:
        partition = TopicPartition(DLQ, 0)
        consumer.assign([partition])
        consumer.seek(partition, offset)
        found = []
        for records in consumer.poll(timeout_ms=3000, max_records=500).values():
            found += [r for r in records if ("test-marker", marker) in (r.headers or [])]
        return found
    finally:
        consumer.close()


def test_a_poison_message_lands_in_the_dlq_with_its_headers_and_the_partition_moves_on(
    stack: Stack, reader: Callable[[], Reader], events: Events
) -> None:
    alice = reader()
    start = _dlq_end(stack)
    marker = uuid.uuid4().hex.encode()
    key = uuid.uuid4().hex.encode()
    poison = events.publish_raw(b"{not json", key, headers=[("test-marker", marker)])
    after = cloud_event(alice.user.id)
    events.publish(after, key=key)  # the same key: the same partition, behind the poison

    eventually(lambda: alice.find(after["id"]), timeout=ARRIVAL)
    [letter] = eventually(lambda: _dead_letters_since(stack, start, marker), timeout=ARRIVAL)
    headers = dict(letter.headers)
    assert letter.value == b"{not json"
    assert letter.key == key
    assert headers["dlq-original-topic"] == b"task-events"
    assert headers["dlq-original-partition"] == str(poison.partition).encode()
    assert headers["dlq-original-offset"] == str(poison.offset).encode()
    assert headers["dlq-stage"] == b"parse"
    assert b"not JSON" in headers["dlq-error"]


def test_a_dead_letter_is_replayed_to_its_topic_and_handled_after_the_fix(
    stack: Stack, reader: Callable[[], Reader], events: Events, mailbox: Mailbox
) -> None:
    alice = reader()
    event = cloud_event(alice.user.id, "task.created", title="Replayed")
    # As the worker dead-letters an event it could not store (say, before a fix was deployed).
    letter = events.publish_raw(
        json.dumps(event).encode(),
        event["subject"].encode(),
        headers=[
            ("dlq-original-topic", b"task-events"),
            ("dlq-original-partition", b"0"),
            ("dlq-original-offset", b"0"),
            ("dlq-stage", b"handle"),
            ("dlq-error", b"the bug that was fixed"),
        ],
        topic=DLQ,
    )
    # A group of its own, under the prefix the `notification-replay` principal may use.
    group = f"{REPLAY_GROUP}.test-{uuid.uuid4().hex[:8]}"
    command = [
        str(ROOT / ".venv/bin/taskwire-notification-replay"),
        "--from-offset",
        str(letter.offset),
        "--limit",
        "1",
        "--group",
        group,
    ]
    listed = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout.splitlines()[0])["event_id"] == event["id"]
    time.sleep(1)
    assert alice.find(event["id"]) is None  # a dry run changes nothing

    replayed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert replayed.returncode == 0, replayed.stderr
    eventually(lambda: alice.find(event["id"]), timeout=ARRIVAL)
    eventually(lambda: mailbox.mails_to(alice.user.email), timeout=ARRIVAL)
    again = subprocess.run(
        [*command[:1], "--limit", "1", "--group", group], capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0
    assert "replayed 0 message(s)" in again.stderr  # the group remembers where it stopped


def _reported_backlog() -> float | None:
    """The worker's last taskwire.consumer.dlq_unreplayed, as statsd_exporter serves it."""
    text = requests.get(EXPORTER, timeout=5).text
    match = re.search(
        r'^taskwire_consumer_dlq_unreplayed_messages\{service="notification-consumer"\} (\S+)$',
        text,
        re.MULTILINE,
    )
    return float(match.group(1)) if match else None


def test_the_worker_reports_dead_letters_until_a_replay_has_put_them_back(
    stack: Stack, events: Events
) -> None:
    events.publish_raw(b"{not json", uuid.uuid4().hex.encode())  # one more dead letter
    replay_group = KafkaConsumer(
        **stack.kafka_admin, group_id=REPLAY_GROUP, enable_auto_commit=False
    )
    try:
        partitions = [TopicPartition(DLQ, p) for p in replay_group.partitions_for_topic(DLQ)]

        def unreplayed() -> int:
            ends = replay_group.end_offsets(partitions)
            oldest = replay_group.beginning_offsets(partitions)
            return sum(ends[p] - max(replay_group.committed(p) or 0, oldest[p]) for p in partitions)

        # What the worker reports is what Kafka holds, the new letter included.
        eventually(
            lambda: (n := unreplayed()) >= 1 and _reported_backlog() == n, timeout=ARRIVAL, every=1
        )
        # As a replay that reached the end commits: then nothing is left to alert on.
        ends = replay_group.end_offsets(partitions)
        replay_group.commit({p: OffsetAndMetadata(ends[p], "", -1) for p in partitions})
        eventually(lambda: _reported_backlog() == 0, timeout=ARRIVAL, every=1)
    finally:
        replay_group.close()
