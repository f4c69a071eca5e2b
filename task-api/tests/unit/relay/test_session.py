"""The stream session: events go to Kafka in stream order, LSNs are confirmed behind Kafka's
acks, an idle slot keeps moving, and a stop flushes before confirming."""

from collections.abc import Callable

import pytest

from task_api.relay.acks import Acked, DeliveryFailed
from task_api.relay.records import OutboxRecord
from task_api.relay.session import (
    FEEDBACK_INTERVAL,
    FINISH_TRANSACTION,
    STALL_AFTER,
    StreamSession,
)

from .fakes import FakeClock, FakeKafka, FakeStream, begin, commit, outbox_insert, relation


class Harness:
    def __init__(self, *messages: bytes, max_pending: int = 100) -> None:
        self.clock = FakeClock()
        self.stream = FakeStream(list(messages), clock=self.clock)
        self.kafka = FakeKafka()
        self.acked: list[str] = []
        self.ticks = 0
        self.session = StreamSession(
            self.stream,
            self.kafka,
            ack_interval=0.05,
            max_pending=max_pending,
            on_acked=self._on_acked,
            clock=self.clock,
            sleep=self.stream.wait,
        )

    def _on_acked(self, acked: list[Acked[OutboxRecord]]) -> None:
        self.acked += [a.item.event_id for a in acked]

    def _tick(self) -> None:
        self.ticks += 1

    def run(self, iterations: int = 50, step: float = 0.01) -> None:
        """Run the loop for a number of iterations, the clock moving `step` s each time."""
        left = [iterations]

        def running() -> bool:
            self.clock.now += step
            left[0] -= 1
            return left[0] >= 0

        self.session.run(running, self._tick)

    def acknowledge(self, after: float = 0.1) -> None:
        self.clock.now += after
        self.session.acknowledge(self.clock.now)


def _two_transactions() -> list[bytes]:
    return [
        begin(100),
        relation(),
        outbox_insert("e1", "t-1"),
        outbox_insert("e2", "t-2"),
        commit(200),
        begin(250),
        outbox_insert("e3", "t-1"),
        commit(300),
    ]


def test_every_insert_goes_to_kafka_in_stream_order() -> None:
    harness = Harness(*_two_transactions())
    harness.run()

    assert [(r.event_id, r.key) for r, _ in harness.kafka.sent] == [
        ("e1", b"t-1"),
        ("e2", b"t-2"),
        ("e3", b"t-1"),
    ]


def test_nothing_is_confirmed_while_kafka_has_not_acknowledged() -> None:
    harness = Harness(*_two_transactions())
    harness.run()

    assert harness.stream.confirmed == []
    assert harness.session.pending == 3


def test_a_transaction_is_confirmed_only_after_kafka_acknowledged_all_its_events() -> None:
    harness = Harness(*_two_transactions())
    harness.run()

    harness.kafka.ack(0)
    harness.acknowledge()
    assert harness.stream.confirmed == []

    harness.kafka.ack(1)
    harness.acknowledge()
    assert harness.stream.confirmed == [200]
    assert harness.stream.feedback[-1] == (200, 200, True)

    harness.kafka.ack(2)
    harness.acknowledge()
    assert harness.stream.confirmed == [200, 300]
    assert harness.acked == ["e1", "e2", "e3"]


def test_an_ack_that_overtakes_an_earlier_event_does_not_confirm_past_it() -> None:
    harness = Harness(*_two_transactions())
    harness.run()

    harness.kafka.ack(2)  # t-1's partition answered before t-2's
    harness.kafka.ack(0)
    harness.acknowledge()

    assert harness.stream.confirmed == []
    assert harness.acked == ["e1"]


def test_acks_are_collected_and_confirmed_while_the_stream_runs() -> None:
    harness = Harness(*_two_transactions())
    harness.kafka.ack_on_flush = False
    harness.run(iterations=8)
    assert harness.stream.confirmed == []
    harness.kafka.ack(0, 1, 2)
    harness.run(iterations=20)

    assert harness.stream.confirmed == [300]


def test_an_idle_stream_still_reports_its_position_every_second() -> None:
    harness = Harness()
    harness.acknowledge(after=FEEDBACK_INTERVAL / 2)
    assert harness.stream.feedback == []

    harness.acknowledge(after=FEEDBACK_INTERVAL / 2)
    assert harness.stream.feedback == [(0, 0, True)]  # psycopg2 fills in a keepalive's position


def test_housekeeping_runs_about_every_second() -> None:
    harness = Harness()
    harness.run(iterations=300, step=0.01)

    elapsed = harness.clock.now - 1000
    assert elapsed > 3
    assert harness.ticks in (int(elapsed), int(elapsed) + 1)


def test_when_kafka_falls_behind_the_stream_is_not_read_further() -> None:
    messages = [begin(100), relation(), *(outbox_insert(f"e{i}") for i in range(5)), commit(200)]
    harness = Harness(*messages, max_pending=3)
    harness.run(iterations=20)

    assert len(harness.kafka.sent) == 3
    assert harness.stream.reads == 5  # begin, relation and three inserts, nothing more

    harness.kafka.ack(0, 1, 2)
    harness.run(iterations=20)
    assert len(harness.kafka.sent) == 5


def test_a_stop_in_the_middle_of_a_transaction_reads_on_to_its_commit() -> None:
    harness = Harness(*_two_transactions())
    harness.run(iterations=3)  # begin, relation, the first insert; then the stop

    assert [r.event_id for r, _ in harness.kafka.sent] == ["e1", "e2"]
    assert len(harness.stream.messages) == 3  # the second transaction stays in the slot
    harness.session.finish(timeout=5)
    assert harness.stream.confirmed == [200]


def test_a_stop_between_transactions_reads_nothing_more() -> None:
    harness = Harness(*_two_transactions())
    harness.run(iterations=5)

    assert len(harness.stream.messages) == 3


def test_a_stop_gives_up_on_a_transaction_whose_commit_does_not_come() -> None:
    harness = Harness(begin(100), relation(), outbox_insert("e1"))
    harness.run(iterations=3)

    assert harness.clock.now < 1000 + FINISH_TRANSACTION + 1
    harness.session.finish(timeout=5)
    assert harness.stream.confirmed == []


def test_stopping_flushes_kafka_then_confirms_what_it_acknowledged() -> None:
    harness = Harness(*_two_transactions())
    harness.run()

    harness.session.finish(timeout=5)

    assert harness.kafka.flushes == 1
    assert harness.stream.confirmed == [300]


def test_a_flush_that_times_out_confirms_only_what_kafka_acknowledged() -> None:
    harness = Harness(*_two_transactions())
    harness.run()
    harness.kafka.ack(0, 1)

    def timeout(_: float) -> None:
        raise TimeoutError("flush timed out")

    harness.kafka.flush = timeout
    harness.session.finish(timeout=5)

    assert harness.stream.confirmed == [200]


def test_a_failed_delivery_ends_the_session_and_confirms_nothing_after_it() -> None:
    harness = Harness(*_two_transactions())
    harness.run()
    harness.kafka.sent[0][1].fail(TimeoutError("delivery timed out"))
    harness.kafka.ack(1, 2)

    with pytest.raises(DeliveryFailed):
        harness.acknowledge()
    assert harness.stream.confirmed == []


def test_an_event_kafka_keeps_waiting_marks_the_session_stalled() -> None:
    harness = Harness(*_two_transactions())
    harness.run(iterations=10)
    now: Callable[[], float] = harness.clock

    assert not harness.session.stalled(now())
    harness.clock.now += STALL_AFTER + 1
    assert harness.session.stalled(now())

    harness.kafka.ack(0, 1, 2)
    harness.acknowledge()
    assert not harness.session.stalled(now())
