"""Due-date reminders: which due date a task was last reminded of, a partial index of the tasks
still owed one, and the scheduler's least-privilege grants.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The scheduler's scan (task_api/db/reminders.py) repeats this predicate word for word, so that
# the planner proves the partial index applies.
OWED = "status <> 'done' AND due_date IS NOT NULL AND reminded_due IS DISTINCT FROM due_date"


def upgrade() -> None:
    # A nullable column without a default: a catalog change, no table rewrite.
    op.execute("ALTER TABLE tasks ADD COLUMN reminded_due timestamptz")
    # Tasks already overdue when reminders arrive are not announced as "due soon" in a burst.
    op.execute(
        "UPDATE tasks SET reminded_due = due_date WHERE status <> 'done' AND due_date < now()"
    )
    # Only the tasks still owed a reminder: it stays small however many tasks exist (a task
    # leaves it when reminded, completed or deleted), and is read in due-date order, no sort.
    op.execute(f"CREATE INDEX tasks_reminder_owed ON tasks (due_date) WHERE {OWED}")
    # The scheduler reads the task it announces, records the reminder and writes the outbox.
    op.execute(
        "GRANT SELECT (owner_id, id, title, description, status, due_date, completed_at,"
        " created_at, updated_at, version, reminded_due), UPDATE (reminded_due)"
        " ON tasks TO task_reminders"
    )
    op.execute("GRANT SELECT (id), INSERT, DELETE ON outbox TO task_reminders")


def downgrade() -> None:
    op.execute("REVOKE ALL ON outbox FROM task_reminders")
    op.execute("REVOKE ALL ON tasks FROM task_reminders")
    op.execute("DROP INDEX tasks_reminder_owed")
    op.execute("ALTER TABLE tasks DROP COLUMN reminded_due")
