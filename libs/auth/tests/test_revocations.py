"""The revocation list: what it refuses, for how long, and the follower that feeds it."""

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from kafka import TopicPartition

from taskwire_auth import Principal, Revocation, RevocationFollower, RevocationList
from taskwire_events.kafka_clients import KafkaClients

UNUSED_LOGIN = KafkaClients("unused:9092", "task-api", "unused")


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _principal(sid: str | None = "s1", sub: str = "u1", iat: int = 999_990) -> Principal:
    return Principal(
        subject=sub,
        username="alice",
        email=None,
        roles=frozenset({"user"}),
        session_id=sid,
        issued_at=iat,
        expires_at=iat + 300,
    )


def _session(sid: str, at: float = 1_000_000.0, ttl: float = 360) -> Revocation:
    return Revocation(sid=sid, sub="u1", revoked_at=at, expires_at=at + ttl)


def test_a_revoked_session_is_refused_and_other_sessions_are_not() -> None:
    revoked = RevocationList(Clock())
    revoked.revoke(_session("s1"))
    assert revoked.is_revoked(_principal(sid="s1"))
    assert not revoked.is_revoked(_principal(sid="s2"))


def test_a_token_without_a_session_is_never_refused_by_a_session_entry() -> None:
    revoked = RevocationList(Clock())
    revoked.revoke(_session("s1"))
    assert not revoked.is_revoked(_principal(sid=None))


def test_an_entry_stops_refusing_when_the_longest_access_token_would_have_expired() -> None:
    clock = Clock()
    revoked = RevocationList(clock)
    revoked.revoke(_session("s1", ttl=360))
    clock.now += 359
    assert revoked.is_revoked(_principal())
    clock.now += 2
    assert not revoked.is_revoked(_principal())
    assert revoked.purge() == 1
    assert len(revoked) == 0


def test_a_user_wide_revocation_refuses_tokens_issued_until_then_only() -> None:
    revoked = RevocationList(Clock())
    revoked.revoke(Revocation(sid=None, sub="u1", revoked_at=1_000_000, expires_at=1_000_360))
    assert revoked.is_revoked(_principal(sid="any", iat=999_999))
    assert not revoked.is_revoked(_principal(sid="new", iat=1_000_001))
    assert not revoked.is_revoked(_principal(sid="any", sub="u2", iat=999_999))


def test_a_late_duplicate_never_shortens_an_entry() -> None:
    clock = Clock()
    revoked = RevocationList(clock)
    revoked.revoke(_session("s1", ttl=360))
    revoked.revoke(_session("s1", ttl=10))
    clock.now += 100
    assert revoked.is_revoked(_principal())


def test_a_revocation_round_trips_through_its_record_format() -> None:
    revocation = _session("s1")
    assert Revocation.from_json(revocation.to_json()) == revocation
    assert revocation.key == b"s1"
    assert json.loads(revocation.to_json()) == {
        "sid": "s1",
        "sub": "u1",
        "revoked_at": 1_000_000.0,
        "expires_at": 1_000_360.0,
    }


def test_a_user_wide_revocation_is_keyed_by_its_subject() -> None:
    assert Revocation(sid=None, sub="u1", revoked_at=1, expires_at=2).key == b"sub:u1"


def test_a_revocation_needs_a_session_or_a_subject() -> None:
    with pytest.raises(ValueError, match="sid or a sub"):
        Revocation(sid=None, sub=None, revoked_at=1, expires_at=2)


def test_concurrent_writers_and_readers_agree() -> None:
    revoked = RevocationList()

    def write(prefix: str) -> None:
        for n in range(2000):
            revoked.revoke(Revocation(f"{prefix}{n}", "u", 0, 4_102_444_800))

    threads = [threading.Thread(target=write, args=(p,)) for p in "abcd"]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        revoked.is_revoked(_principal(sid="a1"))
    for thread in threads:
        thread.join()
    assert len(revoked) == 8000
    assert revoked.is_revoked(_principal(sid="d1999"))


@dataclass
class Record:
    value: bytes | None


@dataclass
class FakeConsumer:
    """Enough of kafka-python's KafkaConsumer for the follower: one partition of records."""

    records: list[bytes | None]
    topic_exists: bool = True
    polled: threading.Event = field(default_factory=threading.Event)
    position_: int = 0

    def partitions_for_topic(self, _topic: str) -> set[int]:
        return {0} if self.topic_exists else set()

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.partition = partitions[0]

    def seek_to_beginning(self, *_partitions: TopicPartition) -> None:
        self.position_ = 0

    def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {partitions[0]: len(self.records)}

    def position(self, _partition: TopicPartition) -> int:
        return self.position_

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[Record]]:
        batch = [Record(v) for v in self.records[self.position_ :]]
        self.position_ = len(self.records)
        self.polled.set()
        if not batch:
            threading.Event().wait(timeout_ms / 1000)
            return {}
        return {self.partition: batch}

    def close(self) -> None:
        pass


@pytest.fixture
def far_future() -> float:
    return 4_102_444_800.0  # 2100-01-01


def test_the_follower_reads_the_backlog_then_reports_caught_up(far_future: float) -> None:
    consumer = FakeConsumer(
        [
            Revocation("s1", "u1", 1, far_future).to_json(),
            b"not json",  # a bad record is skipped, not fatal
            None,  # a tombstone is ignored
            Revocation("s2", "u1", 1, far_future).to_json(),
        ]
    )
    revoked = RevocationList()
    follower = RevocationFollower(
        revoked, UNUSED_LOGIN, poll_timeout_ms=10, consumer_factory=lambda: consumer
    ).start()
    try:
        assert follower.caught_up.wait(5)
        assert revoked.is_revoked(_principal(sid="s1"))
        assert revoked.is_revoked(_principal(sid="s2"))
        consumer.records.append(Revocation("s3", "u1", 1, far_future).to_json())
        for _ in range(500):
            if revoked.is_revoked(_principal(sid="s3")):
                break
            threading.Event().wait(0.01)
        assert revoked.is_revoked(_principal(sid="s3"))
    finally:
        follower.stop()


def test_the_follower_keeps_retrying_until_kafka_answers(far_future: float) -> None:
    attempts: list[int] = []

    def factory() -> Any:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("kafka is down")
        return FakeConsumer([Revocation("s1", "u1", 1, far_future).to_json()])

    revoked = RevocationList()
    follower = RevocationFollower(
        revoked, UNUSED_LOGIN, poll_timeout_ms=10, consumer_factory=factory
    ).start()
    try:
        assert follower.caught_up.wait(10)
        assert len(attempts) == 3
        assert revoked.is_revoked(_principal(sid="s1"))
    finally:
        follower.stop()
