"""The notification stream's vocabulary: commit-ordered positions and Server-Sent Events frames.

A position is the id of the inserting transaction (`xid8`) and the notification id. Readers
see notifications only below the oldest transaction still running, so every notification that
commits later has a greater position than any already sent: resuming after a position can
neither skip nor repeat one (docs/decisions.md).
"""

import json
import re
from dataclasses import dataclass
from uuid import UUID

from notification_consumer.domain.errors import InvalidStreamPosition
from notification_consumer.domain.notifications import Notification

_POSITION = re.compile(r"^([0-9]{1,19})-([0-9a-fA-F-]{36})$")
_NIL = UUID(int=0)


@dataclass(frozen=True, order=True)
class StreamPosition:
    xid: int
    id: UUID

    def __str__(self) -> str:
        return f"{self.xid}-{self.id}"

    @classmethod
    def parse(cls, text: str) -> "StreamPosition":
        """The position an SSE `id:` named; the reverse of `str()`."""
        found = _POSITION.match(text.strip())
        if found is None:
            raise InvalidStreamPosition("not an event id of this stream")
        try:
            return cls(int(found.group(1)), UUID(found.group(2)))
        except ValueError:
            raise InvalidStreamPosition("not an event id of this stream") from None


ORIGIN = StreamPosition(0, _NIL)  # before every notification


@dataclass(frozen=True)
class StreamedNotification:
    position: StreamPosition
    notification: Notification


def event_frame(item: StreamedNotification) -> str:
    """One notification as an SSE event: `id:` its position, one `data:` line of its JSON."""
    data = json.dumps(item.notification.as_api(), separators=(",", ":"), ensure_ascii=False)
    return f"id: {item.position}\ndata: {data}\n\n"


def end_frame(reason: str) -> str:
    """The last event of a stream, named `end`, saying why it ends (`token_expired`,
    `session_ended`, `shutting_down`)."""
    data = json.dumps({"reason": reason}, separators=(",", ":"))
    return f"event: end\ndata: {data}\n\n"


def comment_frame(text: str) -> str:
    """A comment line: ignored by SSE clients, it keeps proxies and idle timers from closing."""
    return f": {text}\n\n"


def retry_frame(millis: int) -> str:
    """How long a client waits before reconnecting after the stream was closed."""
    return f"retry: {millis}\n\n"
