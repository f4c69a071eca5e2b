"""Least privilege: the API's database role changes rows, never the schema or its history."""

import psycopg2
import psycopg2.errors
import pytest

from taskwire_testkit import Stack


def test_the_api_role_cannot_change_the_schema_or_its_history(stack: Stack) -> None:
    connection = psycopg2.connect(stack.dsn("task_api", "task-api-dev-only-password", "tasks"))
    try:
        for statement in (
            "CREATE TABLE intruder (id int)",
            "DELETE FROM alembic_version",
            "DROP TABLE tasks",
        ):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege), connection.cursor() as c:
                c.execute(statement)
            connection.rollback()
    finally:
        connection.close()
