"""The app factory: alive without its database, ready only with it, settings fail fast."""

import pytest
from flask.testing import FlaskClient

from task_api.app import create_app
from task_api.settings import Settings
from taskwire_settings.env import SettingsError


@pytest.fixture
def client() -> FlaskClient:
    settings = Settings(
        database_url="postgresql+psycopg2://nobody:nothing@127.0.0.1:1/tasks",
        issuer="http://localhost:8180/realms/taskwire",
        jwks_url="http://127.0.0.1:1/certs",
        audience="task-api",
        cursor_secret="test",
        statsd_host="127.0.0.1",
        statsd_port=9,
        sentry_dsn=None,
    )
    return create_app(settings).test_client()


def test_the_api_is_alive_but_not_ready_when_its_database_is_unreachable(
    client: FlaskClient,
) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json is not None
    assert ready.json["checks"] == {"database": "failing"}


def test_a_request_without_a_token_is_a_401_bearer_challenge(client: FlaskClient) -> None:
    response = client.get("/tasks")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_openapi_spec_documents_every_task_endpoint(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert spec is not None
    paths = spec["paths"]
    assert set(paths) == {
        "/tasks",
        "/tasks/{task_id}",
        "/tasks/{task_id}/complete",
        "/admin/tasks",
    }
    assert paths["/tasks"]["post"]["summary"] == "Create a task."
    assert "412" in paths["/tasks/{task_id}"]["patch"]["responses"]


def test_settings_refuse_the_dev_database_password_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKWIRE_ENV", "production")
    monkeypatch.delenv("TASK_API_DATABASE_URL", raising=False)
    with pytest.raises(SettingsError):
        Settings.from_env()


def test_every_operation_documents_its_summary_and_its_401(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert spec is not None
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # shared path parameters, not an operation
                continue
            assert operation.get("summary"), (method, path)
            assert "401" in operation["responses"], (method, path)
            problem = operation["responses"]["401"]["content"]
            assert set(problem) == {"application/problem+json"}


def test_swagger_ui_is_served_with_its_own_assets(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.get_data(as_text=True)
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert asset.mimetype in {"text/javascript", "application/javascript"}
    asset.close()


def test_every_error_response_in_the_openapi_spec_is_problem_json(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert spec is not None
    shared = spec["components"]["responses"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = shared[response["$ref"].rsplit("/", 1)[-1]]
                if status == "default" or int(status) >= 400:
                    assert set(response["content"]) == {"application/problem+json"}, (
                        method,
                        path,
                        status,
                    )


def test_the_openapi_spec_declares_the_servers_limits(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    assert spec is not None
    query = {p["name"]: p["schema"] for p in spec["paths"]["/tasks"]["get"]["parameters"]}
    assert query["cursor"]["maxLength"] == 512
    assert (query["q"]["minLength"], query["q"]["maxLength"]) == (1, 200)
    assert (query["limit"]["minimum"], query["limit"]["maximum"]) == (1, 100)
    assert query["status"]["maxItems"] == 10
    for body in ("TaskCreate", "TaskPatch"):
        fields = spec["components"]["schemas"][body]["properties"]
        assert (fields["title"]["minLength"], fields["title"]["maxLength"]) == (1, 200)
        assert fields["description"]["maxLength"] == 10_000


def test_try_it_out_on_the_task_lists_sends_no_filter_unless_asked(client: FlaskClient) -> None:
    # Swagger UI pre-fills each parameter's example (or default) into "Try it out"; a filter
    # pre-filled that way (due_before and due_after on one instant) lists nothing at all.
    spec = client.get("/openapi.json").json
    assert spec is not None
    narrowing = {"due_before", "due_after", "q", "status", "owner_id", "cursor"}
    for path in ("/tasks", "/admin/tasks"):
        parameters = spec["paths"][path]["get"]["parameters"]
        filters = [p for p in parameters if p["in"] == "query" and p["name"] in narrowing]
        assert filters, path
        for parameter in filters:
            schema = parameter.get("schema", {})
            items = schema.get("items", {})
            prefilled = [
                key
                for key in ("example", "examples", "default")
                if key in parameter or key in schema or key in items
            ]
            assert prefilled == [], f"{path} ?{parameter['name']} is pre-filled by {prefilled}"
