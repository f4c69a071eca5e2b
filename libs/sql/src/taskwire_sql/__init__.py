"""SQL plumbing a service that owns a database builds its own units of work and pages with."""

from taskwire_sql.cursors import CursorCodec, Page, Position
from taskwire_sql.engines import ping, ping_when_idle, request_engine
from taskwire_sql.ids import uuid7
from taskwire_sql.transactions import SqlTransaction, TransactionScope

__all__ = [
    "CursorCodec",
    "Page",
    "Position",
    "SqlTransaction",
    "TransactionScope",
    "ping",
    "ping_when_idle",
    "request_engine",
    "uuid7",
]
