"""Pooled engines: a readiness ping, and a ping on checkout only for connections left idle."""

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError

# A pooled connection unused this long is pinged before it is lent (docs/task-api.md).
IDLE_PING_SECONDS = 2.0


def request_engine(url: str) -> Engine:
    """The engine of an API serving requests: a small pool, most recently used connection
    first (LIFO keeps the busy ones busy), and only a connection left idle pinged."""
    engine = create_engine(
        url, pool_size=5, pool_use_lifo=True, connect_args={"connect_timeout": 3}
    )
    ping_when_idle(engine, IDLE_PING_SECONDS)
    return engine


def ping(engine: Engine) -> None:
    """Raise unless the database answers a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout only if it sat idle longer than `idle_seconds`.

    `pool_pre_ping` costs a round trip on every checkout, i.e. every request. A connection in
    steady use needs none: if the database dropped it, its next statement fails and the pool
    replaces all connections of that age. The ones at risk of being handed out stale, after a
    database restart, are those nobody used meanwhile; those are checked, and replaced by the
    pool if the ping fails.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error  # the pool retries with a new one
