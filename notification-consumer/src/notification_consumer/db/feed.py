"""The notification feed: every owner's notifications in commit order, for the event stream."""

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, text

from notification_consumer.db.notifications import notification
from notification_consumer.domain.stream import ORIGIN, StreamedNotification, StreamPosition

# The channel the notifications table's insert trigger NOTIFYs (migration 0006).
CHANNEL = "notifications"

# Every query reads only rows of transactions older than every one still running
# (`xid < pg_snapshot_xmin(pg_current_snapshot())`): none can commit behind them.
_ALL_AFTER = text(
    "SELECT *, CAST(CAST(xid AS text) AS bigint) AS position_xid FROM notifications"
    " WHERE (xid, id) > (CAST(CAST(:xid AS text) AS xid8), CAST(:id AS uuid))"
    " AND xid < pg_snapshot_xmin(pg_current_snapshot())"
    " ORDER BY xid, id LIMIT :limit"
)
_OWNER_BETWEEN = text(
    "SELECT *, CAST(CAST(xid AS text) AS bigint) AS position_xid FROM notifications"
    " WHERE owner_id = :owner"
    " AND (xid, id) > (CAST(CAST(:xid AS text) AS xid8), CAST(:id AS uuid))"
    " AND (xid, id) <= (CAST(CAST(:until_xid AS text) AS xid8), CAST(:until_id AS uuid))"
    " AND xid < pg_snapshot_xmin(pg_current_snapshot())"
    " ORDER BY xid, id LIMIT :limit"
)
# Committed rows after the position that the horizon still holds back.
_PENDING = text(
    "SELECT EXISTS (SELECT 1 FROM notifications"
    " WHERE (xid, id) > (CAST(CAST(:xid AS text) AS xid8), CAST(:id AS uuid))"
    " AND xid >= pg_snapshot_xmin(pg_current_snapshot()))"
)
_LATEST = text(
    "SELECT CAST(CAST(xid AS text) AS bigint) AS xid, id FROM notifications"
    " WHERE xid < pg_snapshot_xmin(pg_current_snapshot())"
    " ORDER BY xid DESC, id DESC LIMIT 1"
)


class NotificationFeed:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def after(self, position: StreamPosition, limit: int) -> list[StreamedNotification]:
        """Up to `limit` notifications of any owner after `position`, in commit order."""
        rows = self._connection.execute(
            _ALL_AFTER, {"xid": str(position.xid), "id": position.id, "limit": limit}
        )
        return [_streamed(row) for row in rows.mappings()]

    def owner_between(
        self, owner_id: UUID, after: StreamPosition, until: StreamPosition, limit: int
    ) -> list[StreamedNotification]:
        """Up to `limit` of one owner's notifications in (`after`, `until`], in commit order."""
        rows = self._connection.execute(
            _OWNER_BETWEEN,
            {
                "owner": owner_id,
                "xid": str(after.xid),
                "id": after.id,
                "until_xid": str(until.xid),
                "until_id": until.id,
                "limit": limit,
            },
        )
        return [_streamed(row) for row in rows.mappings()]

    def pending(self, position: StreamPosition) -> bool:
        """Whether notifications after `position` exist that older transactions still hold back."""
        found = self._connection.execute(_PENDING, {"xid": str(position.xid), "id": position.id})
        return bool(found.scalar())

    def latest(self) -> StreamPosition:
        """The position of the last notification a reader can see now (ORIGIN when none)."""
        row = self._connection.execute(_LATEST).first()
        return ORIGIN if row is None else StreamPosition(int(row.xid), row.id)


def _streamed(row: Any) -> StreamedNotification:
    return StreamedNotification(
        StreamPosition(int(row["position_xid"]), row["id"]), notification(row)
    )
