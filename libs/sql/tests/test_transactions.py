"""The unit of work's transaction on a real (SQLite) database: rolled back unless committed, and
a database that is away told apart from work that is wrong."""

from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from taskwire_sql import SqlTransaction


class StoreUnavailable(Exception):
    """Stands for the domain error a service names."""


class Notes:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, note_id: int) -> None:
        self._connection.execute(text("INSERT INTO notes (id) VALUES (:id)"), {"id": note_id})


class UnitOfWork(SqlTransaction):
    unavailable = StoreUnavailable

    def bind(self, connection: Connection) -> None:
        self.connection = connection
        self.notes = Notes(connection)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'notes.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    return engine


def _notes(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT id FROM notes ORDER BY id")).scalars())


def test_committed_work_is_kept(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.notes.add(1)
        uow.commit()
    assert _notes(engine) == [1]


def test_work_that_is_not_committed_is_rolled_back(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.notes.add(1)
    assert _notes(engine) == []


def test_work_that_fails_is_rolled_back_and_its_error_passes_unchanged(engine: Engine) -> None:
    def add_a_note_twice() -> None:
        with UnitOfWork(engine) as uow:
            uow.notes.add(1)
            uow.notes.add(1)

    with pytest.raises(IntegrityError):
        add_a_note_twice()
    assert _notes(engine) == []


def test_a_database_that_cannot_be_reached_is_the_services_unavailable_error(
    tmp_path: Path,
) -> None:
    away = create_engine(f"sqlite:///{tmp_path / 'no such directory' / 'notes.db'}")
    with pytest.raises(StoreUnavailable, match="unable to open") as raised, UnitOfWork(away):
        pass
    assert isinstance(raised.value.__cause__, DBAPIError)


def test_a_connection_lost_during_the_work_is_the_services_unavailable_error(
    engine: Engine,
) -> None:
    lost = DBAPIError("SELECT 1", None, Exception("server closed the connection"), False, True)
    with pytest.raises(StoreUnavailable, match="server closed") as raised, UnitOfWork(engine):
        raise lost
    assert raised.value.__cause__ is lost


def test_an_operational_error_during_the_work_is_the_services_unavailable_error(
    engine: Engine,
) -> None:
    # SQLite's word for this is OperationalError, psycopg2's for a link the server dropped.
    with pytest.raises(StoreUnavailable, match="no such table"), UnitOfWork(engine) as uow:
        uow.connection.execute(text("SELECT * FROM missing"))
