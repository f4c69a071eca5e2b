"""flask-smorest's own errors as problem+json, and the problem answers in the OpenAPI document."""

from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields, validate

from taskwire_web.problem_api import ProblemApi, ProblemResponses

documented = ProblemResponses({401: "No valid bearer token.", 422: "The request is not valid."})


class ItemSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    name = fields.String(required=True, validate=validate.Length(min=1))


def _app() -> Flask:
    app = Flask("under_test")
    app.config.update(
        API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/"
    )
    blp = Blueprint("items", __name__, url_prefix="/items")

    @blp.route("")
    class Items(MethodView):
        @blp.arguments(ItemSchema())
        @blp.response(201, ItemSchema)
        @documented(blp, 401, 422)
        def post(self, item: dict[str, Any]) -> dict[str, Any]:
            """Add an item."""
            return item

    @blp.route("/gone")
    class Gone(MethodView):
        def get(self) -> None:
            """Always gone."""
            abort(410, message="this item was removed", headers={"Sunset": "yesterday"})

    api = ProblemApi(app)
    api.register_blueprint(blp)
    return app


@pytest.fixture
def client() -> FlaskClient:
    return _app().test_client()


def test_a_body_that_fails_validation_is_a_422_problem_naming_each_field(
    client: FlaskClient,
) -> None:
    response = client.post("/items", json={"name": "", "colour": "red"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert response.json["detail"] == "the request is not valid; see `errors`"
    # Named by field, not nested under the location ("json") webargs found them in.
    assert set(response.json["errors"]) == {"name", "colour"}


def test_an_abort_keeps_its_message_and_its_headers(client: FlaskClient) -> None:
    response = client.get("/items/gone")
    assert response.status_code == 410
    assert response.mimetype == "application/problem+json"
    assert response.headers["Sunset"] == "yesterday"
    assert response.json == {
        "type": "about:blank",
        "title": "Gone",
        "status": 410,
        "detail": "this item was removed",
    }


def test_documented_problems_appear_in_the_openapi_document_as_problem_json(
    client: FlaskClient,
) -> None:
    spec = client.get("/openapi.json").json
    assert spec is not None
    responses = spec["paths"]["/items"]["post"]["responses"]
    assert responses["401"]["description"] == "No valid bearer token."
    assert set(responses["401"]["content"]) == {"application/problem+json"}
    assert "422" in responses
    assert "Problem" in spec["components"]["schemas"]


def test_the_shared_error_responses_are_declared_as_problem_json_too(client: FlaskClient) -> None:
    """flask-smorest's own 422 and `default` responses, referenced by every operation."""
    spec = client.get("/openapi.json").json
    assert spec is not None
    shared = spec["components"]["responses"]
    assert "DEFAULT_ERROR" in shared
    for name, response in shared.items():
        assert set(response["content"]) == {"application/problem+json"}, name
