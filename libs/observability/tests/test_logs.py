"""Log lines are JSON with the service, the request id and any extra fields."""

import json
import logging

from taskwire_observability.logs import JsonFormatter
from taskwire_observability.request_ids import current_request_id


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("taskwire.test", logging.INFO, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return record


def test_a_log_line_is_json_with_service_request_id_and_extra_fields() -> None:
    token = current_request_id.set("req-42")
    try:
        line = JsonFormatter("task-api").format(_record("created", task_id="t-1"))
    finally:
        current_request_id.reset(token)

    entry = json.loads(line)
    assert entry["service"] == "task-api"
    assert entry["request_id"] == "req-42"
    assert entry["msg"] == "created"
    assert entry["task_id"] == "t-1"
    assert entry["level"] == "info"


def test_a_line_outside_a_request_carries_no_request_id() -> None:
    entry = json.loads(JsonFormatter("relay").format(_record("idle")))
    assert "request_id" not in entry
