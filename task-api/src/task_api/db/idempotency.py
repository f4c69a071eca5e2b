"""Idempotency keys of creates: the first response, replayed while the key lives."""

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects.postgresql import insert

from task_api.db.models import IdempotencyKeyRow

TABLE = cast(Table, IdempotencyKeyRow.__table__)


class IdempotencyKeys:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def claim(
        self, owner_id: UUID, key: str, request_hash: str, now: datetime, expires_at: datetime
    ) -> tuple[str, dict[str, Any]] | None:
        """Claim the key for this request; if a live claim exists, return (its hash, response).

        A concurrent claim of the same key waits on this row's lock until the first request's
        transaction ends, then sees its response: the key is used exactly once. The owner's
        other expired keys are dropped on the way, so the table stays bounded without a
        scheduled job (and the clean-up stays on the owner's shard).
        """
        self._connection.execute(
            TABLE.delete().where(
                TABLE.c.owner_id == owner_id, TABLE.c.key != key, TABLE.c.expires_at <= now
            )
        )
        claimed = self._connection.execute(
            insert(TABLE)
            .values(
                owner_id=owner_id,
                key=key,
                request_hash=request_hash,
                response={},
                created_at=now,
                expires_at=expires_at,
            )
            .on_conflict_do_update(
                index_elements=[TABLE.c.owner_id, TABLE.c.key],
                set_={
                    "request_hash": request_hash,
                    "response": {},
                    "created_at": now,
                    "expires_at": expires_at,
                },
                where=TABLE.c.expires_at <= now,  # an expired key is free to reuse
            )
            .returning(TABLE.c.key)
        ).first()
        if claimed:
            return None
        row = self._connection.execute(
            select(TABLE.c.request_hash, TABLE.c.response).where(
                TABLE.c.owner_id == owner_id, TABLE.c.key == key
            )
        ).one()
        return row.request_hash, row.response

    def record(self, owner_id: UUID, key: str, response: dict[str, Any]) -> None:
        self._connection.execute(
            TABLE.update()
            .where(TABLE.c.owner_id == owner_id, TABLE.c.key == key)
            .values(response=response)
        )
