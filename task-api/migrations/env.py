"""Alembic environment: migrations run as the tasks database's owner, never as the API's role."""

from alembic import context
from sqlalchemy import create_engine

from taskwire_settings.env import setting

URL = setting(
    "TASK_API_MIGRATIONS_DATABASE_URL",
    "postgresql+psycopg2://tasks_owner:tasks-owner-dev-only-password@127.0.0.1:5432/tasks",
)


def run_migrations_online() -> None:
    engine = create_engine(URL)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
