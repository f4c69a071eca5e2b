"""The feed's wake-up: one PostgreSQL connection per process LISTENing to the channel the
notifications table's insert trigger NOTIFYs at each commit."""

import contextlib
import logging
import select
import time

import psycopg2
import psycopg2.extensions
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


class PgListener:
    """`FeedWakeup` over LISTEN. Connects lazily and again after any failure; while it cannot,
    `wait` sleeps its timeout and says "maybe", so that the hub's poll finds out."""

    def __init__(self, database_url: str, channel: str) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._channel = channel
        self._connection: psycopg2.extensions.connection | None = None

    def wait(self, timeout: float) -> bool:
        try:
            connection = self._connected()
            if connection.notifies:
                connection.notifies.clear()
                return True
            readable, _, _ = select.select([connection], [], [], timeout)
            if not readable:
                return False
            connection.poll()
            woke = bool(connection.notifies)
            connection.notifies.clear()
            return woke
        except (psycopg2.Error, OSError) as error:
            log.warning("notification wake-up lost its connection", extra={"error": repr(error)})
            self.close()
            time.sleep(timeout)
            return True

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg2.Error):  # already broken: nothing to release
                self._connection.close()
            self._connection = None

    def _connected(self) -> psycopg2.extensions.connection:
        if self._connection is None:
            connection = psycopg2.connect(self._dsn, connect_timeout=3)
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'LISTEN "{self._channel}"')
            self._connection = connection
        return self._connection
