"""How long the record of a processed event, and a settled e-mail, is kept, and how they are
pruned: in small batches that each hold their row locks for a moment only."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetentionPolicy:
    keep: timedelta
    batch_size: int = 1000
    pause: timedelta = timedelta(milliseconds=100)  # between two batches: others go first
    every: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.keep <= timedelta(0):
            raise ValueError(f"retention must be positive, not {self.keep}")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, not {self.batch_size}")

    def cutoff(self, now: datetime) -> datetime:
        """Records processed before this moment are past their retention."""
        return now - self.keep

    def more_after(self, pruned: int) -> bool:
        """Whether a batch that pruned `pruned` records may have left more behind it."""
        return pruned >= self.batch_size
