"""The ack rule: an LSN is confirmed only when Kafka acknowledged every event up to it."""

import random

import pytest

from task_api.relay.acks import AckLedger, DeliveryFailed

from .fakes import FakeDelivery


def _ledger_with(*transactions: int) -> tuple[AckLedger[str], list[FakeDelivery]]:
    """A ledger that streamed transactions of the given sizes, ending at LSNs 100, 200, ..."""
    ledger: AckLedger[str] = AckLedger()
    deliveries = []
    for number, size in enumerate(transactions, start=1):
        for index in range(size):
            delivery = FakeDelivery()
            ledger.sent(delivery, f"t{number}e{index}", at=0.0)
            deliveries.append(delivery)
        ledger.committed(number * 100)
    return ledger, deliveries


def test_nothing_is_confirmable_before_kafka_acknowledges() -> None:
    ledger, _ = _ledger_with(2)

    assert ledger.collect() == []
    assert ledger.confirmable_lsn() is None
    assert ledger.pending == 2


def test_a_transaction_is_confirmable_once_all_its_events_are_acknowledged() -> None:
    ledger, deliveries = _ledger_with(2)
    deliveries[0].ack()
    ledger.collect()
    assert ledger.confirmable_lsn() is None

    deliveries[1].ack()
    assert [a.item for a in ledger.collect()] == ["t1e1"]
    assert ledger.confirmable_lsn() == 100
    assert ledger.pending == 0


def test_an_ack_that_overtakes_an_earlier_event_confirms_nothing_past_it() -> None:
    ledger, deliveries = _ledger_with(1, 1, 1)
    deliveries[2].ack()  # another partition answered first
    deliveries[1].ack()

    assert ledger.collect() == []
    assert ledger.confirmable_lsn() is None

    deliveries[0].ack()
    assert [a.item for a in ledger.collect()] == ["t1e0", "t2e0", "t3e0"]
    assert ledger.confirmable_lsn() == 300


def test_the_newest_fully_acknowledged_commit_is_confirmed_across_transactions() -> None:
    ledger, deliveries = _ledger_with(1, 2, 1)
    for delivery in deliveries[:3]:
        delivery.ack()
    ledger.collect()

    assert ledger.confirmable_lsn() == 200
    assert ledger.confirmable_lsn() is None  # each commit is handed out once
    deliveries[3].ack()  # the one commit still open is confirmed once its event is
    ledger.collect()
    assert ledger.confirmable_lsn() == 300


def test_a_transaction_without_events_is_confirmable_behind_the_events_before_it() -> None:
    ledger, deliveries = _ledger_with(1, 0)
    assert ledger.confirmable_lsn() is None

    deliveries[0].ack()
    ledger.collect()
    assert ledger.confirmable_lsn() == 200


def test_a_failed_delivery_stops_collection_and_confirms_nothing_after_it() -> None:
    ledger, deliveries = _ledger_with(1, 1)
    deliveries[0].fail(TimeoutError("expired"))
    deliveries[1].ack()

    with pytest.raises(DeliveryFailed, match="expired"):
        ledger.collect()
    assert ledger.confirmable_lsn() is None


def test_the_oldest_unacknowledged_event_tells_how_long_kafka_has_kept_it() -> None:
    ledger: AckLedger[str] = AckLedger()
    first, second = FakeDelivery(), FakeDelivery()
    ledger.sent(first, "a", at=5.0)
    ledger.sent(second, "b", at=7.0)
    assert ledger.oldest_sent_at() == 5.0

    first.ack()
    ledger.collect()
    assert ledger.oldest_sent_at() == 7.0


@pytest.mark.parametrize("seed", range(30))
def test_under_any_order_of_acks_a_confirmed_lsn_never_passes_an_unacknowledged_event(
    seed: int,
) -> None:
    rng = random.Random(seed)
    sizes = [rng.randint(0, 4) for _ in range(40)]
    ledger, deliveries = _ledger_with(*sizes)
    owner = [number for number, size in enumerate(sizes, start=1) for _ in range(size)]
    confirmed = 0
    for index in rng.sample(range(len(deliveries)), len(deliveries)):
        deliveries[index].ack()
        ledger.collect()
        lsn = ledger.confirmable_lsn()
        if lsn is not None:
            assert lsn > confirmed
            confirmed = lsn
        unacked = [owner[i] for i, d in enumerate(deliveries) if not d.is_done]
        if unacked:
            assert confirmed < min(unacked) * 100
    assert confirmed == len(sizes) * 100
