"""A database that does not answer is an outage the caller may retry, never a crash."""

import pytest
from flask import Flask
from sqlalchemy import create_engine

from task_api.api.errors import register_domain_errors
from task_api.db.unit_of_work import SqlUnitOfWork
from task_api.domain.errors import StoreUnavailable

UNREACHABLE = "postgresql+psycopg2://nobody:nothing@127.0.0.1:1/tasks"


def test_a_unit_of_work_on_an_unreachable_database_raises_store_unavailable() -> None:
    engine = create_engine(UNREACHABLE, connect_args={"connect_timeout": 1})
    with pytest.raises(StoreUnavailable), SqlUnitOfWork(engine):
        pass


def test_store_unavailable_is_a_503_problem_that_says_when_to_retry() -> None:
    app = Flask(__name__)
    register_domain_errors(app)

    @app.get("/tasks")
    def tasks() -> None:
        raise StoreUnavailable("connection refused")

    response = app.test_client().get("/tasks")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "1"
    assert response.json is not None
    assert response.json["status"] == 503
