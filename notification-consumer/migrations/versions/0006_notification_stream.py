"""The notification stream: a commit-ordered position per notification, and a wake-up on insert.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The inserting transaction's id: the stream reads only below the oldest transaction still
    # running, so ordering by it never lets a late commit slip behind what was already sent
    # (domain/stream.py). The volatile default rewrites the table once, under its lock.
    op.execute(
        "ALTER TABLE notifications ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()"
    )
    op.execute("CREATE INDEX notifications_stream ON notifications (xid, id)")
    # One NOTIFY per inserting statement, delivered at commit; the channel is
    # db/feed.py's CHANNEL. The stream also polls, so a lost wake-up only delays.
    op.execute(
        """
        CREATE FUNCTION notifications_announce() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('notifications', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER notifications_announce AFTER INSERT ON notifications
        FOR EACH STATEMENT EXECUTE FUNCTION notifications_announce()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER notifications_announce ON notifications")
    op.execute("DROP FUNCTION notifications_announce()")
    op.execute("DROP INDEX notifications_stream")
    op.execute("ALTER TABLE notifications DROP COLUMN xid")
