"""Reading notifications: the owner's own, newest first, one keyset page at a time."""

from collections.abc import Callable
from uuid import UUID

from notification_consumer.db.unit_of_work import UnitOfWork
from notification_consumer.domain.notifications import Notification
from taskwire_sql import CursorCodec, Page, Position


class NotificationService:
    def __init__(self, unit_of_work: Callable[[], UnitOfWork], cursors: CursorCodec) -> None:
        self._uow = unit_of_work
        self._cursors = cursors

    def list_notifications(
        self, owner_id: UUID, limit: int, cursor: str | None = None
    ) -> Page[Notification]:
        # The cursor is bound to its owner: another user's cursor is refused, not followed.
        fingerprint = f"notifications|{owner_id}"
        after = self._cursors.decode(fingerprint, cursor) if cursor else None
        with self._uow() as uow:
            found = uow.notifications.page(owner_id, limit, after)
        return self._cursors.page(
            fingerprint, found, limit, lambda last: Position(last.created_at, last.id)
        )
