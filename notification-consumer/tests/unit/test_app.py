"""The read API's factory: alive without its database, ready only with it; the list needs a
bearer token; errors are problem+json; the OpenAPI document is served under /notifications."""

from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from notification_consumer.app import create_app
from notification_consumer.settings import ApiSettings


@pytest.fixture
def client() -> FlaskClient:
    settings = replace(
        ApiSettings.from_env(),
        database_url="postgresql+psycopg2://nobody:nothing@127.0.0.1:1/x",
        jwks_url="http://127.0.0.1:1/certs",
        kafka=None,  # no revocation follower: libs/auth tests it
        statsd_port=9,
    )
    return create_app(settings).test_client()


def test_the_read_api_is_alive_but_not_ready_when_its_database_is_unreachable(
    client: FlaskClient,
) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json is not None
    assert ready.json["checks"] == {"database": "failing"}


def test_listing_without_a_bearer_token_is_a_401_problem(client: FlaskClient) -> None:
    response = client.get("/notifications")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_is_refused(client: FlaskClient) -> None:
    response = client.get("/notifications", headers={"Authorization": "Bearer abc.def.ghi"})
    assert response.status_code == 401


def test_the_openapi_document_describes_the_list(client: FlaskClient) -> None:
    spec = client.get("/notifications/openapi.json")
    assert spec.status_code == 200
    assert spec.json is not None
    operation = spec.json["paths"]["/notifications"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"limit", "cursor"}
    assert "bearer" in spec.json["components"]["securitySchemes"]


def test_the_openapi_document_describes_the_preferences(client: FlaskClient) -> None:
    spec = client.get("/notifications/openapi.json").json
    assert spec is not None
    path = spec["paths"]["/notifications/preferences"]
    assert {"get", "put"} <= set(path)
    assert {"200", "401", "422"} <= set(path["put"]["responses"])


def test_preferences_without_a_bearer_token_are_a_401_problem(client: FlaskClient) -> None:
    response = client.put("/notifications/preferences", json={"email": {}})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_the_docs_page_is_served_with_its_own_assets(client: FlaskClient) -> None:
    page = client.get("/notifications/docs")
    assert page.status_code == 200
    assert b"/notifications/docs/assets/swagger-ui-bundle.js" in page.data
    asset = client.get("/notifications/docs/assets/swagger-ui-bundle.js")
    asset.close()  # a file response streams from disk
    assert asset.status_code == 200
    # The 401 is documented as problem+json, like every error of the API.
    spec = client.get("/notifications/openapi.json").json
    assert spec is not None
    responses = spec["paths"]["/notifications"]["get"]["responses"]
    assert {"200", "401", "422", "503"} <= set(responses)
    assert "application/problem+json" in responses["401"]["content"]
