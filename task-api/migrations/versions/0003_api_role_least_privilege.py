"""The API's role gets no rights on Alembic's bookkeeping (default privileges granted them).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("REVOKE ALL ON alembic_version FROM task_api")


def downgrade() -> None:
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON alembic_version TO task_api")
