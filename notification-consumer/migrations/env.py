"""Alembic environment: migrations run as the notifications database's owner, never as the
consumer's runtime role."""

from alembic import context
from sqlalchemy import create_engine

from taskwire_settings.env import setting

URL = setting(
    "NOTIFICATIONS_MIGRATIONS_DATABASE_URL",
    "postgresql+psycopg2://notifications_owner:notifications-owner-dev-only-password"
    "@127.0.0.1:5432/notifications",
)


def run_migrations_online() -> None:
    engine = create_engine(URL)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
