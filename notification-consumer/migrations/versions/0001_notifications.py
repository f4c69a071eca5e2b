"""Notifications, the consumer's record of processed events, and the e-mails it owes.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TYPES = "('task.created', 'task.updated', 'task.completed', 'task.deleted')"
STATUSES = "('pending', 'sending', 'sent', 'skipped', 'failed', 'uncertain')"


def upgrade() -> None:
    # An event id is recorded in the same transaction as its notification and its e-mail:
    # the primary key makes a redelivered event a no-op.
    op.execute(
        """
        CREATE TABLE processed_events (
            event_id      uuid        PRIMARY KEY,
            type          text        NOT NULL,
            topic         text        NOT NULL,
            partition     integer     NOT NULL,
            "offset"      bigint      NOT NULL,
            processed_at  timestamptz NOT NULL
        )
        """
    )
    op.execute(
        f"""
        CREATE TABLE notifications (
            id          uuid        PRIMARY KEY,
            owner_id    uuid        NOT NULL,
            event_id    uuid        NOT NULL UNIQUE REFERENCES processed_events (event_id),
            type        text        NOT NULL CHECK (type IN {TYPES}),
            task_id     uuid        NOT NULL,
            title       text        NOT NULL,
            message     text        NOT NULL,
            request_id  text,
            event_time  timestamptz NOT NULL,
            created_at  timestamptz NOT NULL
        )
        """
    )
    # GET /notifications: one owner's newest first, a keyset range read in either direction.
    op.execute(
        "CREATE INDEX notifications_owner_created ON notifications (owner_id, created_at, id)"
    )
    op.execute(
        f"""
        CREATE TABLE email_deliveries (
            event_id             uuid        PRIMARY KEY REFERENCES notifications (event_id),
            notification_id      uuid        NOT NULL,
            status               text        NOT NULL CHECK (status IN {STATUSES}),
            attempts             integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at      timestamptz NOT NULL,
            recipient            text,
            last_error           text,
            smtp_reply           text,
            created_at           timestamptz NOT NULL,
            updated_at           timestamptz NOT NULL,
            sent_at              timestamptz,
            source_key           bytea,
            source_value         bytea,
            source_headers       jsonb       NOT NULL DEFAULT '[]',
            source_timestamp_ms  bigint,
            CONSTRAINT sent_iff_sent_at CHECK ((status = 'sent') = (sent_at IS NOT NULL))
        )
        """
    )
    # The dispatcher's queue: only the e-mails still to send, oldest due first.
    op.execute(
        "CREATE INDEX email_deliveries_due ON email_deliveries (next_attempt_at)"
        " WHERE status = 'pending'"
    )
    # The stale-claim sweep looks only at the few rows being handed over.
    op.execute(
        "CREATE INDEX email_deliveries_sending ON email_deliveries (updated_at)"
        " WHERE status = 'sending'"
    )


def downgrade() -> None:
    op.execute("DROP TABLE email_deliveries")
    op.execute("DROP TABLE notifications")
    op.execute("DROP TABLE processed_events")
