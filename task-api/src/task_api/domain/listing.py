"""What a list of tasks asks for: filters and order."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from task_api.domain.tasks import Status


class Sort(StrEnum):
    CREATED = "created_at"
    CREATED_DESC = "-created_at"
    DUE = "due_date"
    DUE_DESC = "-due_date"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")

    @property
    def by_due_date(self) -> bool:
        return self.value.endswith("due_date")


@dataclass(frozen=True)
class TaskFilter:
    owner_id: UUID | None  # None only for the admin listing across owners
    statuses: tuple[Status, ...] = ()
    due_before: datetime | None = None
    due_after: datetime | None = None
    title_contains: str | None = None
    sort: Sort = Sort.CREATED_DESC
    limit: int = 20

    def fingerprint(self) -> str:
        """Identifies the query a cursor belongs to (everything but the page position)."""
        parts = [
            str(self.owner_id),
            ",".join(sorted(s.value for s in self.statuses)),
            self.due_before.isoformat() if self.due_before else "",
            self.due_after.isoformat() if self.due_after else "",
            self.title_contains or "",
            self.sort.value,
        ]
        return "|".join(parts)
