"""An outbox row from the WAL becomes the Kafka record of its CloudEvent."""

import json

import pytest

from task_api.relay.pgoutput import Decoder, Insert
from task_api.relay.records import MalformedEvent, outbox_record

from .fakes import event, insert, outbox_insert, relation


def _decoded(message: bytes) -> Insert:
    decoder = Decoder()
    decoder.decode(relation())
    decoded = decoder.decode(message)
    assert isinstance(decoded, Insert)
    return decoded


def test_the_value_is_the_cloudevent_and_the_key_the_task_id() -> None:
    record = outbox_record(_decoded(outbox_insert("e-1", task_id="task-7", request_id="req-1")))

    assert record.key == b"task-7"
    assert json.loads(record.value) == event("e-1", "task-7")
    assert (record.event_id, record.event_type, record.task_id) == ("e-1", "task.created", "task-7")
    assert record.request_id == "req-1"


def test_headers_carry_the_cloudevents_attributes_and_the_request_id() -> None:
    record = outbox_record(
        _decoded(outbox_insert("e-1", "task-7", "task.completed", request_id="req-1"))
    )

    assert dict(record.headers) == {
        "content-type": b"application/cloudevents+json; charset=UTF-8",
        "ce_specversion": b"1.0",
        "ce_id": b"e-1",
        "ce_type": b"task.completed",
        "ce_source": b"urn:taskwire:task-api",
        "ce_subject": b"task-7",
        "ce_requestid": b"req-1",
    }
    assert all(isinstance(value, bytes) for _, value in record.headers)


def test_an_event_without_a_request_id_has_no_request_id_header() -> None:
    record = outbox_record(_decoded(outbox_insert("e-1")))

    assert "ce_requestid" not in dict(record.headers)
    assert record.request_id is None


def test_multi_byte_text_survives_as_utf8() -> None:
    record = outbox_record(_decoded(outbox_insert("e-1")))

    assert json.loads(record.value.decode("utf-8"))["data"]["title"] == "Café ✓"


def test_a_row_without_a_payload_is_malformed_not_skipped() -> None:
    values = ("e-1", "task", "t-1", "task.created", None, None, "2026-11-24 20:00:00+00")

    with pytest.raises(MalformedEvent, match="payload"):
        outbox_record(_decoded(insert(values)))


def test_a_payload_that_is_not_its_rows_event_is_still_relayed_as_is() -> None:
    payload = json.dumps({"probe": "not a CloudEvent"})
    values = ("e-1", "task", "t-1", "task.created", payload, None, "2026-11-24 20:00:00+00")

    record = outbox_record(_decoded(insert(values)))

    assert json.loads(record.value) == {"probe": "not a CloudEvent"}
    assert record.key == b"t-1"
    assert dict(record.headers)["ce_id"] == b"e-1"
    assert "ce_source" not in dict(record.headers)


def test_a_row_of_another_shape_is_malformed() -> None:
    decoder = Decoder()
    decoder.decode(relation(columns=("id", "title")))
    decoded = decoder.decode(insert(("1", "a title")))
    assert isinstance(decoded, Insert)

    with pytest.raises(MalformedEvent):
        outbox_record(decoded)
