"""A Server-Sent Events reader over requests, for the stream tests: events as they arrive,
comments counted, the end of the stream seen."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

# Above the stream's 15 s heartbeat: a read that waits longer means the stream went silent.
READ_TIMEOUT = 40


@dataclass
class Event:
    id: str | None
    event: str
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class EventStream:
    response: requests.Response
    comments: list[str] = field(default_factory=list)
    _lines: Iterator[str] | None = None

    @classmethod
    def open(cls, base: str, token: str | None, last_event_id: str | None = None) -> "EventStream":
        headers = {"Accept": "text/event-stream"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        response = requests.get(
            f"{base}/notifications/stream",
            headers=headers,
            stream=True,
            timeout=(5, READ_TIMEOUT),
        )
        return cls(response)

    def next(self) -> Event | None:
        """The next event, skipping comments; None once the server closed the stream."""
        lines = self._lines = self._lines or self._read_lines()
        fields: dict[str, list[str]] = {}
        for line in lines:
            if line == "":
                if "data" in fields:
                    return Event(
                        "\n".join(fields["id"]) if "id" in fields else None,
                        fields.get("event", ["message"])[-1],
                        "\n".join(fields["data"]),
                    )
                fields = {}
            elif line.startswith(":"):
                self.comments.append(line[1:].strip())
            else:
                name, _, value = line.partition(":")
                fields.setdefault(name, []).append(value.removeprefix(" "))
        return None

    def notifications(self, count: int) -> list[Event]:
        """The next `count` notification events; fails on an `end` or a closed stream."""
        found: list[Event] = []
        while len(found) < count:
            event = self.next()
            assert event is not None, f"the stream closed after {len(found)} of {count}"
            assert event.event == "message", event
            found.append(event)
        return found

    def close(self) -> None:
        self.response.close()

    def _read_lines(self) -> Iterator[str]:
        pending = ""
        for chunk in self.response.iter_content(chunk_size=None, decode_unicode=True):
            pending += chunk
            *complete, pending = pending.split("\n")
            yield from complete
