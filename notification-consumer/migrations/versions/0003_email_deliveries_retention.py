"""Settled e-mails can be pruned: an index over them alone, oldest change first.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# domain.emails.SETTLED; the prune's WHERE must imply this predicate for the index to serve it.
SETTLED = "('sent', 'skipped', 'failed', 'uncertain')"


def upgrade() -> None:
    # The prune reads the settled e-mails whose last change (when they settled) is oldest. Partial:
    # owed and in-flight rows are never pruned, so they need no entry. Built CONCURRENTLY (outside
    # a transaction): the table has an e-mail per event ever handled, and a plain build would
    # block the worker's inserts and state changes for as long as it takes. A build that failed
    # half-way leaves an invalid index, dropped first when the migration runs again.
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS email_deliveries_settled")
        op.execute(
            "CREATE INDEX CONCURRENTLY email_deliveries_settled"
            f" ON email_deliveries (updated_at) WHERE status IN {SETTLED}"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS email_deliveries_settled")
