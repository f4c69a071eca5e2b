"""Contract section 3, row by row, through the gateway with real tokens."""

import uuid

import pytest

from taskwire_testkit import Stack
from taskwire_testkit.users import password_grant

from .conftest import Caller, assert_problem

FIELDS = {
    "id",
    "title",
    "description",
    "status",
    "due_date",
    "completed_at",
    "created_at",
    "updated_at",
}


def test_creating_a_task_answers_201_with_location_etag_and_the_task(alice: Caller) -> None:
    response = alice.request(
        "POST",
        "/tasks",
        json={
            "title": "Pay rent",
            "description": "before the 3rd",
            "due_date": "2026-12-03T09:00:00+01:00",
        },
    )
    assert response.status_code == 201
    task = response.json()
    assert set(task) == FIELDS
    assert response.headers["Location"] == f"/tasks/{task['id']}"
    assert response.headers["ETag"] == '"1"'
    assert task["status"] == "todo"
    assert task["completed_at"] is None
    assert task["due_date"] == "2026-12-03T08:00:00+00:00"
    assert uuid.UUID(task["id"]).version == 7


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "d" * 10_001}, "description"),
        ({"title": "ok", "status": "finished"}, "status"),
        ({"title": "ok", "due_date": "2026-12-03T09:00:00"}, "due_date"),
        ({"title": "ok", "due_date": "tomorrow"}, "due_date"),
        ({"title": 42}, "title"),
        ({"title": "ok", "owner_id": str(uuid.uuid4())}, "owner_id"),
    ],
)
def test_an_invalid_body_is_a_422_problem_naming_the_field(
    alice: Caller, body: dict[str, object], field: str
) -> None:
    problem = assert_problem(alice.request("POST", "/tasks", json=body), 422)
    assert field in problem["errors"]


def test_a_body_over_one_mib_is_a_413_problem(alice: Caller) -> None:
    response = alice.request(
        "POST", "/tasks", json={"title": "big", "description": "x" * 1_100_000}
    )
    assert_problem(response, 413)


def test_a_body_that_is_not_json_is_a_4xx_problem(alice: Caller) -> None:
    response = alice.request(
        "POST", "/tasks", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_getting_a_task_answers_it_with_its_etag(alice: Caller) -> None:
    task = alice.create(title="Read")
    response = alice.request("GET", f"/tasks/{task['id']}")
    assert response.status_code == 200
    assert response.json() == task
    assert response.headers["ETag"] == '"1"'


def test_an_absent_task_is_a_404_problem(alice: Caller) -> None:
    assert_problem(alice.request("GET", f"/tasks/{uuid.uuid4()}"), 404)


def test_a_malformed_id_is_a_404_problem(alice: Caller) -> None:
    assert_problem(alice.request("GET", "/tasks/not-a-uuid"), 404)


def test_another_users_task_is_a_404_on_every_verb(alice: Caller, bob: Caller) -> None:
    task_id = alice.create(title="Alice's")["id"]
    for method, path, body in [
        ("GET", f"/tasks/{task_id}", None),
        ("PATCH", f"/tasks/{task_id}", {"title": "Bob's now"}),
        ("POST", f"/tasks/{task_id}/complete", None),
        ("DELETE", f"/tasks/{task_id}", None),
    ]:
        assert_problem(bob.request(method, path, json=body), 404)
    assert alice.request("GET", f"/tasks/{task_id}").json()["title"] == "Alice's"
    assert bob.request("GET", "/tasks").json()["items"] == []


def test_patching_changes_only_the_given_fields_and_gives_a_new_etag(alice: Caller) -> None:
    task = alice.create(title="Draft", description="keep me")
    response = alice.request("PATCH", f"/tasks/{task['id']}", json={"title": "Final"})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    patched = response.json()
    assert patched["title"] == "Final"
    assert patched["description"] == "keep me"
    assert patched["updated_at"] > task["updated_at"]


def test_patching_with_a_stale_if_match_is_a_412_and_changes_nothing(alice: Caller) -> None:
    task = alice.create(title="v1")
    path = f"/tasks/{task['id']}"
    assert alice.request("PATCH", path, json={"title": "v2"}, headers={"If-Match": '"1"'}).ok
    stale = alice.request("PATCH", path, json={"title": "v3"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412)
    assert alice.request("GET", path).json()["title"] == "v2"


@pytest.mark.parametrize(
    "patch", [{"title": None}, {"title": ""}, {"status": "nope"}, {"color": "red"}]
)
def test_an_invalid_patch_is_a_422(alice: Caller, patch: dict[str, object]) -> None:
    task = alice.create()
    assert_problem(alice.request("PATCH", f"/tasks/{task['id']}", json=patch), 422)


def test_status_done_sets_completed_at_and_leaving_done_clears_it(alice: Caller) -> None:
    task = alice.create()
    path = f"/tasks/{task['id']}"
    done = alice.request("PATCH", path, json={"status": "done"}).json()
    assert done["completed_at"] is not None
    reopened = alice.request("PATCH", path, json={"status": "in_progress"}).json()
    assert reopened["completed_at"] is None


def test_completing_is_idempotent(alice: Caller) -> None:
    task = alice.create()
    first = alice.request("POST", f"/tasks/{task['id']}/complete")
    second = alice.request("POST", f"/tasks/{task['id']}/complete")
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == "done"
    assert second.json() == first.json()
    assert second.headers["ETag"] == first.headers["ETag"]


def test_completing_an_absent_task_is_a_404(alice: Caller) -> None:
    assert_problem(alice.request("POST", f"/tasks/{uuid.uuid4()}/complete"), 404)


def test_deleting_answers_204_and_the_task_is_gone(alice: Caller) -> None:
    task = alice.create()
    response = alice.request("DELETE", f"/tasks/{task['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(alice.request("GET", f"/tasks/{task['id']}"), 404)
    assert_problem(alice.request("DELETE", f"/tasks/{task['id']}"), 404)


def test_the_same_idempotency_key_and_body_replays_the_first_response(alice: Caller) -> None:
    headers = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    first = alice.request("POST", "/tasks", json={"title": "Once"}, headers=headers)
    again = alice.request("POST", "/tasks", json={"title": "Once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert len(alice.request("GET", "/tasks").json()["items"]) == 1


def test_the_same_idempotency_key_with_another_body_is_a_422(alice: Caller) -> None:
    headers = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    assert alice.request("POST", "/tasks", json={"title": "Once"}, headers=headers).ok
    other = alice.request("POST", "/tasks", json={"title": "Other"}, headers=headers)
    assert_problem(other, 422)
    assert len(alice.request("GET", "/tasks").json()["items"]) == 1


def test_no_token_is_a_401_with_a_bearer_challenge(alice: Caller) -> None:
    response = alice.session.get(f"{alice.base}/tasks", headers={"Authorization": ""}, timeout=10)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_is_a_401_invalid_token(alice: Caller) -> None:
    header, payload, _signature = alice.session.headers["Authorization"].split(".")
    forged = f"{header}.{payload}.c2lnbmF0dXJl"
    response = alice.request("GET", "/tasks", headers={"Authorization": forged})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_admin_lists_one_users_tasks_and_a_user_cannot_list_any(
    stack: Stack, alice: Caller
) -> None:
    mine = alice.create(title="for the admin")
    assert_problem(alice.request("GET", "/admin/tasks"), 403)

    admin_token = password_grant(stack, "taskadmin", "taskadmin-password")["access_token"]
    headers = {"Authorization": f"Bearer {admin_token}"}
    response = alice.session.get(
        f"{alice.base}/admin/tasks", params={"owner_id": alice.user.id}, headers=headers, timeout=10
    )
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["items"]] == [mine["id"]]
