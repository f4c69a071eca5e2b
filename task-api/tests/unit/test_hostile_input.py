"""Input that PostgreSQL or Python cannot hold is refused by the API schemas and the body parser
with 422 naming the field, before any use case runs."""

import json
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView

from task_api.api.bodies import MAX_DEPTH, Blueprint, depth
from task_api.api.schemas import (
    IdempotencyHeaders,
    TaskCreateSchema,
    TaskListArgs,
    TaskPatchSchema,
)
from taskwire_web.problem_api import ProblemApi

UNSTORABLE_TEXT = {"NUL": "a\x00b", "lone surrogate": "a\ud800b"}
OUT_OF_RANGE_INSTANTS = [
    "2026-12-01T17:00:00+16:00",
    "2026-12-01T17:00:00-16:00",
    "2026-12-01T17:00:00+23:59",
    "2026-12-01T17:00:00+24:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "10000-01-01T00:00:00Z",
]


def refusal(schema: ma.Schema, data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ma.ValidationError) as refused:
        schema.load(data)
    messages: dict[str, Any] = refused.value.messages  # type: ignore[assignment]
    return messages


@pytest.mark.parametrize("text", UNSTORABLE_TEXT.values(), ids=UNSTORABLE_TEXT.keys())
@pytest.mark.parametrize("field", ["title", "description"])
def test_a_task_with_unstorable_text_is_refused_naming_the_field(field: str, text: str) -> None:
    for schema in (TaskCreateSchema(), TaskPatchSchema()):
        body = {"title": "fine", field: text}
        assert set(refusal(schema, body)) == {field}


@pytest.mark.parametrize("text", UNSTORABLE_TEXT.values(), ids=UNSTORABLE_TEXT.keys())
@pytest.mark.parametrize("field", ["q", "cursor"])
def test_a_search_with_unstorable_text_is_refused_naming_the_parameter(
    field: str, text: str
) -> None:
    assert set(refusal(TaskListArgs(), {field: text})) == {field}


def test_an_idempotency_key_with_a_nul_is_refused() -> None:
    assert set(refusal(IdempotencyHeaders(), {"Idempotency-Key": "k\x00"})) == {"Idempotency-Key"}


@pytest.mark.parametrize("instant", OUT_OF_RANGE_INSTANTS)
def test_a_due_date_postgresql_cannot_hold_is_refused(instant: str) -> None:
    assert set(refusal(TaskCreateSchema(), {"title": "t", "due_date": instant})) == {"due_date"}
    assert set(refusal(TaskPatchSchema(), {"due_date": instant})) == {"due_date"}


@pytest.mark.parametrize("instant", OUT_OF_RANGE_INSTANTS)
@pytest.mark.parametrize("field", ["due_before", "due_after"])
def test_a_due_date_filter_postgresql_cannot_hold_is_refused(field: str, instant: str) -> None:
    assert set(refusal(TaskListArgs(), {field: instant})) == {field}


@pytest.mark.parametrize(
    "instant",
    [
        "2026-12-01T17:00:00+15:59",
        "2026-12-01T17:00:00-15:59",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59+01:00",
        "0001-01-01T00:00:00-01:00",
    ],
)
def test_the_extreme_due_dates_postgresql_can_hold_are_accepted(instant: str) -> None:
    loaded = TaskCreateSchema().load({"title": "t", "due_date": instant})
    assert loaded["due_date"].isoformat().startswith(instant[:19])


def test_text_with_any_other_character_is_accepted() -> None:
    title = "Pay rent 💶 \u2028 \ufeff \U0010ffff"
    assert TaskCreateSchema().load({"title": title})["title"] == title


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_depth_counts_arrays_and_objects_but_not_scalars() -> None:
    assert depth("text") == 0
    assert depth({"title": "t"}) == 1
    assert depth({"a": [1, {"b": []}]}) == 4
    assert depth(json.loads(nested(900))) == 900


@pytest.fixture
def client() -> FlaskClient:
    app = Flask("under_test")
    app.config.update(
        API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/"
    )
    blp = Blueprint("items", __name__, url_prefix="/items")
    created: list[dict[str, Any]] = []

    @blp.route("")
    class Items(MethodView):
        @blp.arguments(TaskCreateSchema())
        @blp.response(201)
        def post(self, fields: dict[str, Any]) -> dict[str, Any]:
            """Create."""
            created.append(fields)
            return {}

    api = ProblemApi(app)
    api.register_blueprint(blp)
    app.extensions["created"] = created
    return app.test_client()


@pytest.mark.parametrize(
    "body",
    [
        nested(5000),
        '{"title": ' + nested(5000) + "}",
        '{"title": ' + nested(MAX_DEPTH) + "}",
    ],
    ids=["far past the recursion limit", "in a field", "just past the limit"],
)
def test_a_deeply_nested_body_is_a_422_problem_and_creates_nothing(
    client: FlaskClient, body: str
) -> None:
    response = client.post("/items", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert set(response.json["errors"]) == {"json"}
    assert client.application.extensions["created"] == []


def test_a_body_nested_within_the_limit_reaches_the_schema(client: FlaskClient) -> None:
    body = '{"title": ' + nested(MAX_DEPTH - 1) + "}"
    response = client.post("/items", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.json is not None
    assert set(response.json["errors"]) == {"title"}


def test_a_flat_task_body_passes_the_parser(client: FlaskClient) -> None:
    response = client.post("/items", json={"title": "Write the report"})
    assert response.status_code == 201
    assert client.application.extensions["created"][0]["title"] == "Write the report"
