"""Which event types an owner wants e-mailed: every type unless they opted out of it."""

from dataclasses import dataclass
from typing import Any

from taskwire_events import EventType


@dataclass(frozen=True)
class EmailPreferences:
    opted_out: frozenset[EventType] = frozenset()

    def wants(self, event_type: EventType) -> bool:
        return event_type not in self.opted_out

    def as_api(self) -> dict[str, Any]:
        """As GET /notifications/preferences shows them: every type, true by default."""
        return {"email": {t.value: self.wants(t) for t in EventType}}

    @classmethod
    def of(cls, email: dict[EventType, bool]) -> "EmailPreferences":
        """From a PUT body: the types given as false are opted out, every other type is in."""
        return cls(frozenset(t for t, wanted in email.items() if not wanted))
