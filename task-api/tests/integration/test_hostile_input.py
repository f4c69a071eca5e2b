"""Input PostgreSQL or Python cannot hold (contract section 3): a 422 problem naming the field,
through the gateway with a real token, and nothing stored; other malformed input is a 4xx."""

from typing import Any

import pytest
import requests

from .conftest import Caller, assert_problem

UNSTORABLE_TEXT = {"NUL": "a\x00b", "lone surrogate": "a\ud800b"}
OUT_OF_RANGE_INSTANTS = [
    "2026-12-01T17:00:00+16:00",
    "2026-12-01T17:00:00-16:00",
    "2026-12-01T17:00:00+23:59",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
]


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def assert_refused(response: requests.Response, field: str) -> None:
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {field}, body


def assert_no_tasks(caller: Caller) -> None:
    listing = caller.request("GET", "/tasks")
    assert listing.status_code == 200
    assert listing.json()["items"] == []


@pytest.mark.parametrize("text", UNSTORABLE_TEXT.values(), ids=UNSTORABLE_TEXT.keys())
@pytest.mark.parametrize("field", ["title", "description"])
def test_creating_a_task_with_unstorable_text_is_a_422_and_stores_nothing(
    alice: Caller, field: str, text: str
) -> None:
    assert_refused(alice.request("POST", "/tasks", json={"title": "ok", field: text}), field)
    assert_no_tasks(alice)


@pytest.mark.parametrize("text", UNSTORABLE_TEXT.values(), ids=UNSTORABLE_TEXT.keys())
@pytest.mark.parametrize("field", ["title", "description"])
def test_patching_a_task_with_unstorable_text_is_a_422_and_changes_nothing(
    alice: Caller, field: str, text: str
) -> None:
    task = alice.create(title="unchanged", description="unchanged")
    path = f"/tasks/{task['id']}"
    assert_refused(alice.request("PATCH", path, json={field: text}), field)
    after = alice.request("GET", path)
    assert after.json() == task
    assert after.headers["ETag"] == '"1"'


def test_searching_for_a_nul_is_a_422(alice: Caller) -> None:
    assert_refused(alice.request("GET", "/tasks", params={"q": "a\x00b"}), "q")


@pytest.mark.parametrize(
    "body",
    [nested(5000), '{"title": ' + nested(5000) + "}", '{"title": ' + nested(100) + "}"],
    ids=["a deep array", "a deep field", "a hundred levels"],
)
def test_a_deeply_nested_body_is_a_422_and_stores_nothing(alice: Caller, body: str) -> None:
    response = alice.request(
        "POST", "/tasks", data=body, headers={"Content-Type": "application/json"}
    )
    assert_refused(response, "json")
    assert_no_tasks(alice)


@pytest.mark.parametrize("instant", OUT_OF_RANGE_INSTANTS)
def test_a_due_date_postgresql_cannot_hold_is_a_422_and_stores_nothing(
    alice: Caller, instant: str
) -> None:
    body = {"title": "ok", "due_date": instant}
    assert_refused(alice.request("POST", "/tasks", json=body), "due_date")
    assert_no_tasks(alice)
    task = alice.create()
    assert_refused(alice.request("PATCH", f"/tasks/{task['id']}", json=body), "due_date")
    assert alice.request("GET", f"/tasks/{task['id']}").json() == task


@pytest.mark.parametrize("instant", OUT_OF_RANGE_INSTANTS)
@pytest.mark.parametrize("field", ["due_before", "due_after"])
def test_a_due_date_filter_postgresql_cannot_hold_is_a_422(
    alice: Caller, field: str, instant: str
) -> None:
    assert_refused(alice.request("GET", "/tasks", params={field: instant}), field)


@pytest.mark.parametrize(
    "instant", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+01:00", "2026-12-01T17:00:00-15:59"]
)
def test_the_extreme_due_dates_postgresql_can_hold_are_stored_and_searchable(
    alice: Caller, instant: str
) -> None:
    task = alice.create(due_date=instant)
    for field in ("due_before", "due_after"):
        listing = alice.request("GET", "/tasks", params={field: instant, "sort": "due_date"})
        assert listing.status_code == 200, listing.text
    assert alice.request("GET", f"/tasks/{task['id']}").json()["due_date"] == task["due_date"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/tasks/12345", {}),
        ("PATCH", "/tasks/not-a-uuid", {"json": {"title": "x"}}),
        ("DELETE", "/tasks/%00", {}),
        ("POST", "/tasks/not-a-uuid/complete", {}),
        ("GET", "/tasks", {"params": {"limit": "many"}}),
        ("GET", "/tasks", {"params": {"limit": "0"}}),
        ("GET", "/tasks", {"params": {"status": "finished"}}),
        ("GET", "/tasks", {"params": {"sort": "title"}}),
        ("GET", "/tasks", {"params": {"colour": "red"}}),
        ("GET", "/tasks", {"params": {"cursor": "not-a-cursor"}}),
        ("GET", "/tasks", {"params": {"cursor": "x" * 513}}),
        ("GET", "/tasks", {"params": {"q": "x" * 201}}),
        ("GET", "/admin/tasks", {"params": {"owner_id": "nobody"}}),
        ("POST", "/tasks", {"json": ["a", "list"]}),
        ("POST", "/tasks", {"json": "a string"}),
        ("POST", "/tasks", {"json": {"title": ["a", "list"]}}),
        ("POST", "/tasks", {"json": {"title": "ok", "due_date": 20261201}}),
        ("POST", "/tasks", {"json": {"title": "ok", "status": None}}),
    ],
)
def test_malformed_ids_wrong_types_and_unknown_values_are_4xx_problems(
    alice: Caller, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = alice.request(method, path, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)
    assert_no_tasks(alice)
