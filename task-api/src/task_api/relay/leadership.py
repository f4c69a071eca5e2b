"""Leadership among relay instances: a session advisory lock held on an ordinary connection.

The slot itself admits one streaming connection at a time; the lock makes the choice explicit
and fast. A standby polls for the lock; PostgreSQL releases it the moment the leader's
connection closes (process killed or gone), and the new leader fences off a walsender that
still holds the slot by terminating it (same role, so no extra privilege is needed)."""

import hashlib
import logging
import select
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.errors
from psycopg2.extensions import connection
from psycopg2.extras import LogicalReplicationConnection, ReplicationCursor

from task_api.relay.session import WalMessage

log = logging.getLogger(__name__)

# Detect a dead peer within seconds rather than TCP's minutes, on both connections.
CONNECTION_OPTIONS: dict[str, Any] = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}
FENCE_AFTER = 2.0  # seconds to let a previous leader's walsender exit before terminating it
TAKEOVER_TIMEOUT = 30.0


class LeadershipLost(RuntimeError):
    """The connection that holds the lock failed: this instance may no longer lead."""


class SlotUnusable(RuntimeError):
    """The slot cannot deliver every event (it was invalidated), or the publication is missing."""


@dataclass(frozen=True)
class SlotState:
    lag_bytes: int | None  # pg_current_wal_lsn() - confirmed_flush_lsn
    active_pid: int | None
    wal_status: str | None


def lock_key(slot: str) -> int:
    """A stable 64-bit advisory lock key per slot, so relays of different slots never meet."""
    digest = hashlib.blake2b(f"taskwire-relay:{slot}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PgReplicationStream:
    """psycopg2's ReplicationCursor, as the stream session expects it."""

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


class Leadership:
    def __init__(self, database_url: str, slot: str, publication: str, instance: str) -> None:
        self._url = database_url
        self._slot = slot
        self._publication = publication
        self._name = f"taskwire-relay {instance}"[:63]
        self._key = lock_key(slot)
        self._connection: connection | None = None
        self.held = False

    def connect(self) -> None:
        self._connection = psycopg2.connect(
            self._url, application_name=self._name, **CONNECTION_OPTIONS
        )
        self._connection.autocommit = True

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()  # releases the lock, if held
        self._connection = None
        self.held = False

    def try_acquire(self) -> bool:
        (self.held,) = self._query("SELECT pg_try_advisory_lock(%s)", (self._key,))
        return self.held

    def slot_state(self) -> SlotState | None:
        """The slot's lag and holder, or None when the slot does not exist; proves the lock
        connection is alive, and with it the lock."""
        row = self._fetch(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,"
            " active_pid, wal_status FROM pg_replication_slots WHERE slot_name = %s",
            (self._slot,),
        )
        return None if row is None else SlotState(*row)

    def open_stream(self) -> tuple[connection, PgReplicationStream]:
        """Start streaming the slot (creating it when missing); only the lock holder calls this."""
        assert self.held, "only the leader streams"
        (published,) = self._query(
            "SELECT count(*) FROM pg_publication WHERE pubname = %s", (self._publication,)
        )
        if not published:
            raise SlotUnusable(f"publication {self._publication} does not exist (migrations?)")
        replication = psycopg2.connect(
            self._url,
            connection_factory=LogicalReplicationConnection,
            application_name=self._name,
            **CONNECTION_OPTIONS,
        )
        try:
            cursor = replication.cursor()
            state = self.slot_state()
            if state is None:
                cursor.create_replication_slot(self._slot, output_plugin="pgoutput")
                log.warning(
                    "created the replication slot; events committed before now are not relayed",
                    extra={"slot": self._slot},
                )
            elif state.wal_status == "lost":
                raise SlotUnusable(
                    f"slot {self._slot} lost WAL it needed (max_slot_wal_keep_size): see "
                    "docs/events.md before recreating it"
                )
            self._start(cursor)
        except BaseException:
            replication.close()
            raise
        return replication, PgReplicationStream(cursor)

    def _start(self, cursor: ReplicationCursor) -> None:
        began = time.monotonic()
        fenced = False
        while True:
            try:
                cursor.start_replication(
                    slot_name=self._slot,
                    decode=False,
                    options={"proto_version": "1", "publication_names": self._publication},
                )
                return
            except psycopg2.errors.ObjectInUse:
                # The previous leader's walsender has not noticed its client is gone yet.
                waited = time.monotonic() - began
                if waited > TAKEOVER_TIMEOUT:
                    raise
                state = self.slot_state()
                if not fenced and waited > FENCE_AFTER and state and state.active_pid:
                    log.warning(
                        "terminating the previous leader's walsender",
                        extra={"slot": self._slot, "pid": state.active_pid},
                    )
                    self._query("SELECT pg_terminate_backend(%s)", (state.active_pid,))
                    fenced = True
                time.sleep(0.05)

    def _query(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...]:
        row = self._fetch(sql, params)
        if row is None:
            raise LeadershipLost(f"no answer to {sql!r}")
        return row

    def _fetch(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if self._connection is None:
            raise LeadershipLost("not connected")
        try:
            with self._connection.cursor() as cursor:
                cursor.execute(sql, params)
                row: tuple[Any, ...] | None = cursor.fetchone()
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
            self.held = False
            raise LeadershipLost(f"the leadership connection failed: {error}") from error
        return row
