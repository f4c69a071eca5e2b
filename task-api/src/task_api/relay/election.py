"""Electing the relay that leads: a session advisory lock held on an ordinary connection.

The slot itself admits one streaming connection at a time; the lock makes the choice explicit
and fast. A standby polls for the lock; PostgreSQL releases it the moment the leader's
connection closes (process killed or gone)."""

import hashlib
from typing import Any

import psycopg2
from psycopg2.extensions import connection

# Detect a dead peer within seconds rather than TCP's minutes, on every relay connection.
CONNECTION_OPTIONS: dict[str, Any] = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


class LeadershipLost(RuntimeError):
    """The connection that holds the lock failed: this instance may no longer lead."""


def lock_key(slot: str) -> int:
    """A stable 64-bit advisory lock key per slot, so relays of different slots never meet."""
    digest = hashlib.blake2b(f"taskwire-relay:{slot}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Leadership:
    """The lock connection: who leads, and the queries only a live lock connection answers."""

    def __init__(self, database_url: str, slot: str, instance: str) -> None:
        self._url = database_url
        self.name = f"taskwire-relay {instance}"[:63]  # application_name of every connection
        self._key = lock_key(slot)
        self._connection: connection | None = None
        self.held = False

    def connect(self) -> None:
        self._connection = psycopg2.connect(
            self._url, application_name=self.name, **CONNECTION_OPTIONS
        )
        self._connection.autocommit = True

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()  # releases the lock, if held
        self._connection = None
        self.held = False

    def try_acquire(self) -> bool:
        (self.held,) = self.query("SELECT pg_try_advisory_lock(%s)", (self._key,))
        return self.held

    def query(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...]:
        """One row on the lock connection; LeadershipLost when there is none or it failed."""
        row = self.fetch(sql, params)
        if row is None:
            raise LeadershipLost(f"no answer to {sql!r}")
        return row

    def fetch(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
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
