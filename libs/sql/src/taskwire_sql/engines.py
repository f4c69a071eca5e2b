"""The readiness check of a service's database: one round trip on a pooled connection."""

from sqlalchemy import Engine, text


def ping(engine: Engine) -> None:
    """Raise unless the database answers a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
