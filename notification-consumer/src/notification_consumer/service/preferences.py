"""E-mail preferences: read them, replace them (contract section 4)."""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from notification_consumer.db.unit_of_work import UnitOfWork
from notification_consumer.domain.preferences import EmailPreferences
from taskwire_events import EventType


class PreferenceService:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = unit_of_work
        self._now = clock

    def preferences_of(self, owner_id: UUID) -> EmailPreferences:
        with self._uow() as uow:
            return uow.preferences.of(owner_id)

    def set_preferences(self, owner_id: UUID, email: dict[EventType, bool]) -> EmailPreferences:
        """PUT semantics: a type left out of `email` is e-mailed again (the default)."""
        preferences = EmailPreferences.of(email)
        with self._uow() as uow:
            uow.preferences.replace(owner_id, preferences, self._now())
            uow.commit()
        return preferences
