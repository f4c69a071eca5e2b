"""What can go wrong with a task use case, in domain terms."""


class TaskNotFound(Exception):
    """Absent, deleted, or another user's: all look the same to the caller."""


class PreconditionFailed(Exception):
    """The caller's `If-Match` names a version that is no longer current."""


class IdempotencyKeyReused(Exception):
    """The same idempotency key came back with a different request body."""


class InvalidCursor(Exception):
    """The cursor was not issued by us for this query."""


class StoreUnavailable(Exception):
    """The tasks database does not answer; a change in flight may or may not have committed."""
