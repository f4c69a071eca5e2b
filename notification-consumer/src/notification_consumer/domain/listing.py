"""Where a page of notifications continues: the sort key and id of the previous page's last."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Position:
    created_at: datetime
    id: UUID
