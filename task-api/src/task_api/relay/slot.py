"""The replication slot the leader streams: its state, and opening a stream on it (creating
the slot when missing, refusing one that lost WAL)."""

import logging
from dataclasses import dataclass

import psycopg2
from psycopg2.extensions import connection
from psycopg2.extras import LogicalReplicationConnection

from task_api.relay.election import CONNECTION_OPTIONS, Leadership
from task_api.relay.fencing import start_replication
from task_api.relay.stream import PgReplicationStream

log = logging.getLogger(__name__)


class SlotUnusable(RuntimeError):
    """The slot cannot deliver every event (it was invalidated), or the publication is missing."""


@dataclass(frozen=True)
class SlotState:
    lag_bytes: int | None  # pg_current_wal_lsn() - confirmed_flush_lsn
    active_pid: int | None
    wal_status: str | None


class ReplicationSlot:
    def __init__(
        self, leadership: Leadership, database_url: str, slot: str, publication: str
    ) -> None:
        self._leadership = leadership
        self._url = database_url
        self._slot = slot
        self._publication = publication

    def state(self) -> SlotState | None:
        """The slot's lag and holder, or None when the slot does not exist; proves the lock
        connection is alive, and with it the lock."""
        row = self._leadership.fetch(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,"
            " active_pid, wal_status FROM pg_replication_slots WHERE slot_name = %s",
            (self._slot,),
        )
        return None if row is None else SlotState(*row)

    def open_stream(self) -> tuple[connection, PgReplicationStream]:
        """Start streaming the slot (creating it when missing); only the lock holder calls this."""
        assert self._leadership.held, "only the leader streams"
        (published,) = self._leadership.query(
            "SELECT count(*) FROM pg_publication WHERE pubname = %s", (self._publication,)
        )
        if not published:
            raise SlotUnusable(f"publication {self._publication} does not exist (migrations?)")
        replication = psycopg2.connect(
            self._url,
            connection_factory=LogicalReplicationConnection,
            application_name=self._leadership.name,
            **CONNECTION_OPTIONS,
        )
        try:
            cursor = replication.cursor()
            state = self.state()
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
            start_replication(cursor, self._slot, self._publication, self._holder, self._terminate)
        except BaseException:
            replication.close()
            raise
        return replication, PgReplicationStream(cursor)

    def _holder(self) -> int | None:
        state = self.state()
        return state.active_pid if state else None

    def _terminate(self, pid: int) -> None:
        self._leadership.query("SELECT pg_terminate_backend(%s)", (pid,))
