"""The readiness check: quiet while the database answers, an error while it does not."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from taskwire_sql import ping


def test_a_database_that_answers_passes(tmp_path: Path) -> None:
    ping(create_engine(f"sqlite:///{tmp_path / 'up.db'}"))


def test_a_database_that_cannot_be_reached_fails(tmp_path: Path) -> None:
    with pytest.raises(OperationalError):
        ping(create_engine(f"sqlite:///{tmp_path / 'no such directory' / 'down.db'}"))
