"""Processed-event records can be pruned: an index for the oldest first, and notifications no
longer point at the record of their event.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Dropping the constraint takes a brief exclusive lock on notifications: give up rather
    # than queue the API's reads and the worker's writes behind a long transaction.
    op.execute("SET LOCAL lock_timeout = '10s'")
    # A notification outlives the record of its event (kept for the retention only); its own
    # UNIQUE (event_id) still refuses a second notification for an id whose record is gone.
    op.execute("ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_event_id_fkey")
    # The prune reads the oldest records first. Built CONCURRENTLY (outside a transaction):
    # the table has every event id ever handled, and a plain build would block the worker's
    # inserts for as long as it takes. A build that failed half-way leaves an invalid index,
    # dropped first when the migration runs again.
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS processed_events_processed_at")
        op.execute(
            "CREATE INDEX CONCURRENTLY processed_events_processed_at"
            " ON processed_events (processed_at)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS processed_events_processed_at")
    # NOT VALID: records already pruned would fail the check of existing rows; new rows are
    # checked again.
    op.execute(
        "ALTER TABLE notifications ADD CONSTRAINT notifications_event_id_fkey"
        " FOREIGN KEY (event_id) REFERENCES processed_events (event_id) NOT VALID"
    )
