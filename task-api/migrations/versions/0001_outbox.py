"""The transactional outbox and the publication the relay streams from the WAL.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Debezium's outbox shape. Rows are inserted and deleted in the same transaction as the
    # change, so the table stays empty and only the WAL carries the events.
    op.execute(
        """
        CREATE TABLE outbox (
            id             uuid        PRIMARY KEY,
            aggregatetype  text        NOT NULL,
            aggregateid    text        NOT NULL,
            type           text        NOT NULL,
            payload        jsonb       NOT NULL,
            request_id     text,
            created_at     timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("GRANT SELECT ON outbox TO task_relay")
    op.execute("CREATE PUBLICATION taskwire_outbox FOR TABLE outbox WITH (publish = 'insert')")


def downgrade() -> None:
    op.execute("DROP PUBLICATION IF EXISTS taskwire_outbox")
    op.execute("DROP TABLE outbox")
