"""The readiness check, and the pool's ping of connections left idle."""

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from taskwire_sql import ping, ping_when_idle


def test_a_database_that_answers_passes(tmp_path: Path) -> None:
    ping(create_engine(f"sqlite:///{tmp_path / 'up.db'}"))


def test_a_database_that_cannot_be_reached_fails(tmp_path: Path) -> None:
    with pytest.raises(OperationalError):
        ping(create_engine(f"sqlite:///{tmp_path / 'no such directory' / 'down.db'}"))


def _engine_with_one_pooled_connection(tmp_path: Path) -> Engine:
    # No reset on return: the broken connection must go back to the pool as a stale one would.
    engine = create_engine(
        f"sqlite:///{tmp_path / 'pooled.db'}",
        pool_size=1,
        max_overflow=0,
        pool_reset_on_return=None,
    )
    ping_when_idle(engine, idle_seconds=0.05)
    return engine


def _break_the_pooled_connection(engine: Engine) -> None:
    """What a database restart does to a connection sitting in the pool."""
    with engine.connect() as connection:
        connection.connection.dbapi_connection.close()  # type: ignore[union-attr]


def test_a_connection_broken_while_idle_is_replaced_before_it_is_lent(tmp_path: Path) -> None:
    engine = _engine_with_one_pooled_connection(tmp_path)
    _break_the_pooled_connection(engine)
    time.sleep(0.1)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_a_connection_in_steady_use_is_lent_without_a_ping(tmp_path: Path) -> None:
    engine = _engine_with_one_pooled_connection(tmp_path)
    _break_the_pooled_connection(engine)
    with pytest.raises(DBAPIError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # not idle long enough: its own failure shows
