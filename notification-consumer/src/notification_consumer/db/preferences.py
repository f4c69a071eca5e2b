"""E-mail preferences: a row per owner and event type, upserted; no row means e-mailed."""

from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert

from notification_consumer.db.models import EmailPreferenceRow
from notification_consumer.domain.preferences import EmailPreferences
from taskwire_events import EventType

TABLE = cast(Table, EmailPreferenceRow.__table__)
OF_OWNER = select(TABLE.c.event_type, TABLE.c.enabled).where(
    TABLE.c.owner_id == bindparam("owner_id")
)
_UPSERT = insert(TABLE)
UPSERT = _UPSERT.on_conflict_do_update(
    index_elements=[TABLE.c.owner_id, TABLE.c.event_type],
    set_={"enabled": _UPSERT.excluded.enabled, "updated_at": _UPSERT.excluded.updated_at},
)


class EmailPreferenceRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def of(self, owner_id: UUID) -> EmailPreferences:
        rows = self._connection.execute(OF_OWNER, {"owner_id": owner_id}).all()
        known = {t.value for t in EventType}
        return EmailPreferences(
            frozenset(
                EventType(r.event_type) for r in rows if r.event_type in known and not r.enabled
            )
        )

    def replace(self, owner_id: UUID, preferences: EmailPreferences, now: datetime) -> None:
        """Every type's choice, written as one row each (a PUT replaces them all)."""
        self._connection.execute(
            UPSERT,
            [
                {
                    "owner_id": owner_id,
                    "event_type": t.value,
                    "enabled": preferences.wants(t),
                    "updated_at": now,
                }
                for t in EventType
            ],
        )
