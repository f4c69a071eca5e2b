"""Per-address rate limits in a SQLite file shared by every worker process and thread of one
facade instance (generic cell rate algorithm: one row per address, O(1) per request).

Scope, honestly: the allowance is per instance. gunicorn's workers and threads share it, but N
replicas of the facade allow N times as much. docs/identity.md says why that is acceptable here
and what to use for a cluster-wide limit.
"""

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from user_facade.service.ports import Decision

log = logging.getLogger(__name__)
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_limits (
    key TEXT PRIMARY KEY,
    tat REAL NOT NULL  -- theoretical arrival time of the next request, Unix seconds
) WITHOUT ROWID
"""


@dataclass(frozen=True)
class Rate:
    """`count` requests per `period_seconds`, all of them allowed in one burst."""

    count: int
    period_seconds: float

    @classmethod
    def parse(cls, spec: str) -> "Rate":
        """`"30/60"`: 30 requests per 60 seconds."""
        match = _SPEC.match(spec)
        if not match or int(match[1]) < 1 or int(match[2]) < 1:
            raise ValueError(f"a rate is COUNT/SECONDS, e.g. 30/60, not {spec!r}")
        return cls(int(match[1]), float(match[2]))


class SqliteRateLimiter:
    """Implements `service.ports.RateLimiter`. Fails open: if the store itself breaks, requests
    pass and an error is logged, because refusing every login would be the worse outage."""

    def __init__(
        self,
        path: str,
        name: str,
        rate: Rate,
        clock: Callable[[], float] = time.time,
        purge_every: int = 1000,
    ) -> None:
        self._path = path
        self._name = name
        self._interval = rate.period_seconds / rate.count
        self._period = rate.period_seconds
        self._now = clock
        self._purge_every = purge_every
        self._hits = 0
        self._local = threading.local()
        with self._connection() as connection:
            connection.execute(_SCHEMA)

    def hit(self, key: str) -> Decision:
        try:
            return self._hit(f"{self._name}:{key}")
        except sqlite3.Error as error:
            log.error("rate limit store failed; request allowed", extra={"error": repr(error)})
            return Decision(allowed=True)

    def _hit(self, key: str) -> Decision:
        now = self._now()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            row = connection.execute("SELECT tat FROM rate_limits WHERE key = ?", (key,)).fetchone()
            tat = max(row[0] if row else now, now)
            new_tat = tat + self._interval
            if new_tat - now > self._period:
                connection.execute("ROLLBACK")
                return Decision(allowed=False, retry_after_seconds=new_tat - self._period - now)
            connection.execute(
                "INSERT INTO rate_limits (key, tat) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
                (key, new_tat),
            )
            self._hits += 1
            if self._hits % self._purge_every == 0:
                connection.execute("DELETE FROM rate_limits WHERE tat < ?", (now,))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return Decision(allowed=True)

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # Autocommit mode: transactions are the explicit BEGIN IMMEDIATE above, which takes
            # the write lock up front so that concurrent workers queue instead of deadlocking.
            connection = sqlite3.connect(self._path, timeout=2.0, isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = OFF")  # counters need no durability
            self._local.connection = connection
        return connection
