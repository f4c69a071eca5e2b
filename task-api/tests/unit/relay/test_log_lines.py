"""The relay's buffered log lines: info lines wait for the periodic flush, warnings do not."""

import io
import json
import logging

from task_api.relay.log_lines import BufferedLineHandler
from taskwire_observability.logs import JsonFormatter


class Stream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def _handler() -> tuple[BufferedLineHandler, Stream]:
    stream = Stream()
    handler = BufferedLineHandler(stream)
    handler.setFormatter(JsonFormatter("relay"))
    return handler, stream


def _record(level: int, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("taskwire.relay", level, __file__, 1, "event relayed", None, None)
    record.__dict__.update(extra)
    return record


def test_info_lines_are_written_as_json_without_a_flush_each() -> None:
    handler, stream = _handler()
    for offset in range(3):
        handler.handle(_record(logging.INFO, request_id="req-1", offset=offset))

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["offset"] for line in lines] == [0, 1, 2]
    assert lines[0]["request_id"] == "req-1"
    assert stream.flushes == 0

    handler.flush()
    assert stream.flushes == 1


def test_a_warning_is_flushed_at_once() -> None:
    handler, stream = _handler()
    handler.handle(_record(logging.WARNING))

    assert stream.flushes == 1
