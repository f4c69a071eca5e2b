"""The pgoutput decoder on bytes recorded from PostgreSQL 15 streaming the outbox publication."""

import json

import pytest

from task_api.relay.pgoutput import Begin, Commit, Decoder, Insert, Other, ProtocolError, Relation

# One transaction that inserted (and deleted) an outbox row, as the slot streamed it.
RECORDED = [
    bytes.fromhex("4200000000021e9b400003040a709bad830000030f"),
    bytes.fromhex(
        "52000040117075626c6963006f7574626f78006400070169640000000b86ffffffff00616767726567617465"
        "747970650000000019ffffffff0061676772656761746569640000000019ffffffff00747970650000000019"
        "ffffffff007061796c6f61640000000edaffffffff00726571756573745f69640000000019ffffffff006372"
        "65617465645f617400000004a0ffffffff"
    ),
    bytes.fromhex(
        "49000040114e0007740000002430313933613363342d303030302d373030302d383030302d303030303030"
        "30303030303174000000047461736b7400000003742d31740000000c7461736b2e6372656174656474000000"
        "667b226964223a202230313933613363342d303030302d373030302d383030302d30303030303030303030"
        "3031222c202264617461223a207b227469746c65223a2022436166c3a920e29c93227d2c20227479706522"
        "3a20227461736b2e63726561746564227d6e740000001d323032362d31312d32342032303a33363a35352e"
        "3536353632312b3030"
    ),
    bytes.fromhex("430000000000021e9b4000000000021e9b700003040a709bad83"),
]


def test_a_recorded_transaction_decodes_to_begin_relation_insert_commit() -> None:
    decoder = Decoder()
    begin, relation, insert, commit = (decoder.decode(m) for m in RECORDED)

    assert isinstance(begin, Begin)
    assert begin.xid == 783
    assert isinstance(relation, Relation)
    assert (relation.namespace, relation.name) == ("public", "outbox")
    assert relation.columns == (
        "id",
        "aggregatetype",
        "aggregateid",
        "type",
        "payload",
        "request_id",
        "created_at",
    )
    assert isinstance(insert, Insert)
    assert insert.relation == relation
    assert isinstance(commit, Commit)
    assert commit.commit_lsn == begin.final_lsn
    assert commit.end_lsn > commit.commit_lsn


def test_an_insert_carries_every_column_as_text_and_nulls_as_none() -> None:
    decoder = Decoder()
    *_, insert, _commit = (decoder.decode(m) for m in RECORDED)

    assert isinstance(insert, Insert)
    assert insert.values["id"] == "0193a3c4-0000-7000-8000-000000000001"
    assert insert.values["type"] == "task.created"
    assert insert.values["request_id"] is None
    payload = insert.values["payload"]
    assert payload is not None
    assert json.loads(payload)["data"]["title"] == "Café ✓"  # multi-byte UTF-8 survives


def test_an_insert_before_its_relation_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="unknown relation"):
        Decoder().decode(RECORDED[2])


@pytest.mark.parametrize("cut", [1, 5, 20, 100])
def test_a_truncated_insert_is_a_protocol_error(cut: int) -> None:
    decoder = Decoder()
    decoder.decode(RECORDED[1])
    with pytest.raises(ProtocolError):
        decoder.decode(RECORDED[2][:cut])


def test_messages_the_relay_does_not_need_are_passed_over() -> None:
    assert Decoder().decode(b"Y\x00\x00\x00\x01") == Other("Y")


def test_an_empty_message_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        Decoder().decode(b"")
