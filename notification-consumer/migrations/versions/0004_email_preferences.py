"""E-mail preferences: a row per owner and event type they opted out of (or back in).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new, empty table: no lock on anything the worker or the API uses. No row means the
    # default (every type e-mailed), so existing users need no backfill.
    op.create_table(
        "email_preferences",
        sa.Column("owner_id", UUID, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "event_type"),
    )


def downgrade() -> None:
    op.drop_table("email_preferences")
