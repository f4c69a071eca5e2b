"""Notifications of type task.due_soon (the reminder scheduler's events).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TYPES = "('task.created', 'task.updated', 'task.completed', 'task.deleted', 'task.due_soon')"
EARLIER_TYPES = "('task.created', 'task.updated', 'task.completed', 'task.deleted')"


def upgrade() -> None:
    # NOT VALID then VALIDATE: the swap holds its exclusive lock only for the catalog change;
    # the scan of existing rows runs under a lock that lets the worker keep writing.
    op.execute("ALTER TABLE notifications DROP CONSTRAINT notifications_type_check")
    op.execute(
        f"ALTER TABLE notifications ADD CONSTRAINT notifications_type_check"
        f" CHECK (type IN {TYPES}) NOT VALID"
    )
    op.execute("ALTER TABLE notifications VALIDATE CONSTRAINT notifications_type_check")


def downgrade() -> None:
    op.execute("ALTER TABLE notifications DROP CONSTRAINT notifications_type_check")
    op.execute(
        f"ALTER TABLE notifications ADD CONSTRAINT notifications_type_check"
        f" CHECK (type IN {EARLIER_TYPES})"
    )
