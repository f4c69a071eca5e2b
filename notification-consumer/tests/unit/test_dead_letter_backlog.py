"""The unreplayed dead letters: end offsets minus where the replay group stopped."""

from kafka import TopicPartition

from notification_consumer.adapters.kafka import DeadLetterBacklog

DLQ = "task-events.dlq"


class FakeReplayGroupConsumer:
    def __init__(self, ends: list[int], oldest: list[int], committed: list[int | None]) -> None:
        self._ends, self._oldest, self._committed = ends, oldest, committed

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return set(range(len(self._ends))) if topic == DLQ else None

    def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {p: self._ends[p.partition] for p in partitions}

    def beginning_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {p: self._oldest[p.partition] for p in partitions}

    def committed(self, partition: TopicPartition) -> int | None:
        return self._committed[partition.partition]


def backlog(ends: list[int], oldest: list[int], committed: list[int | None]) -> int:
    consumer = FakeReplayGroupConsumer(ends, oldest, committed)
    return DeadLetterBacklog(consumer, DLQ).unreplayed()  # type: ignore[arg-type]


def test_never_replayed_counts_every_dead_letter_still_kept() -> None:
    assert backlog(ends=[7], oldest=[2], committed=[None]) == 5


def test_a_replay_counts_only_what_came_after_where_it_stopped() -> None:
    assert backlog(ends=[10, 4], oldest=[0, 0], committed=[6, 4]) == 4


def test_a_replay_that_reached_the_end_leaves_nothing() -> None:
    assert backlog(ends=[9], oldest=[0], committed=[9]) == 0


def test_a_replay_position_older_than_the_retention_counts_from_the_oldest_kept() -> None:
    assert backlog(ends=[20], oldest=[15], committed=[3]) == 5


def test_no_dead_letter_topic_means_no_backlog() -> None:
    consumer = FakeReplayGroupConsumer([], [], [])
    assert DeadLetterBacklog(consumer, "missing").unreplayed() == 0  # type: ignore[arg-type]
