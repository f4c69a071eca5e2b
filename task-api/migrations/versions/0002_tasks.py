"""Tasks, keyed and indexed by owner first, and idempotency keys for creates.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE tasks (
            owner_id      uuid        NOT NULL,
            id            uuid        NOT NULL,
            title         text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
            description   text        CHECK (char_length(description) <= 10000),
            status        text        NOT NULL DEFAULT 'todo'
                                      CHECK (status IN ('todo', 'in_progress', 'done')),
            due_date      timestamptz,
            due_key       timestamptz NOT NULL
                                      GENERATED ALWAYS AS (coalesce(due_date, 'infinity')) STORED,
            completed_at  timestamptz,
            created_at    timestamptz NOT NULL,
            updated_at    timestamptz NOT NULL,
            version       integer     NOT NULL DEFAULT 1 CHECK (version > 0),
            PRIMARY KEY (owner_id, id),
            CONSTRAINT completed_at_iff_done CHECK ((status = 'done') = (completed_at IS NOT NULL)),
            CONSTRAINT updated_after_created CHECK (updated_at >= created_at)
        )
        """
    )
    # One index per sort order of GET /tasks, each an owner-scoped range read in either direction.
    op.execute("CREATE INDEX tasks_owner_created ON tasks (owner_id, created_at, id)")
    op.execute("CREATE INDEX tasks_owner_due ON tasks (owner_id, due_key, id)")
    # GET /admin/tasks without an owner reads across owners in creation order.
    op.execute("CREATE INDEX tasks_created ON tasks (created_at, id)")

    op.execute(
        """
        CREATE TABLE idempotency_keys (
            owner_id      uuid        NOT NULL,
            key           text        NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
            request_hash  text        NOT NULL,
            response      jsonb       NOT NULL,
            created_at    timestamptz NOT NULL,
            expires_at    timestamptz NOT NULL,
            PRIMARY KEY (owner_id, key)
        )
        """
    )
    op.execute("CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)")


def downgrade() -> None:
    op.execute("DROP TABLE idempotency_keys")
    op.execute("DROP TABLE tasks")
