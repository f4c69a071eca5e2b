"""psycopg2's ReplicationCursor, as the stream session expects it."""

import select
from collections.abc import Callable

from psycopg2.extras import ReplicationCursor

from task_api.relay.session import WalMessage


class PgReplicationStream:
    def __init__(self, cursor: ReplicationCursor) -> None:
        self._cursor = cursor
        self._feedback: Callable[..., None] = cursor.send_feedback  # untyped in the stubs

    def read_message(self) -> WalMessage | None:
        message: WalMessage | None = self._cursor.read_message()
        return message

    def send_feedback(self, *, write_lsn: int = 0, flush_lsn: int = 0, force: bool = False) -> None:
        self._feedback(write_lsn=write_lsn, flush_lsn=flush_lsn, force=force)

    def wait(self, timeout: float) -> None:
        select.select([self._cursor], [], [], timeout)
