"""E-mail preferences through the gateway: all types on by default, a PUT replaces them, bad
bodies are 422 problems, and an opted-out type is still stored while its e-mail is skipped."""

from typing import Any

import requests

from taskwire_testkit import Mailbox, NotificationStore, Stack, Users

from .conftest import eventually

TYPES = ("task.created", "task.updated", "task.completed", "task.deleted", "task.due_soon")


def test_preferences_default_to_every_type_and_a_put_replaces_them(
    stack: Stack, users: Users
) -> None:
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {users.create('prefs').token(stack)}"
    url = f"{stack.gateway}/notifications/preferences"

    assert api.get(url, timeout=10).json() == {"email": dict.fromkeys(TYPES, True)}
    put = api.put(url, json={"email": {"task.updated": False, "task.deleted": False}}, timeout=10)
    assert put.status_code == 200, put.text
    expected = {**dict.fromkeys(TYPES, True), "task.updated": False, "task.deleted": False}
    assert put.json() == {"email": expected}
    assert api.get(url, timeout=10).json() == {"email": expected}
    # PUT replaces: a type left out is back to the default.
    api.put(url, json={"email": {"task.deleted": False}}, timeout=10)
    assert api.get(url, timeout=10).json()["email"]["task.updated"] is True

    for bad in (
        {"email": {"task.exploded": False}},
        {"email": {"task.updated": "no"}},
        {"email": {"task.updated": 0}},
        {"email": []},
        {},
        {"email": {}, "sms": {}},
    ):
        refused = api.put(url, json=bad, timeout=10)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.headers["Content-Type"] == "application/problem+json"
    not_json = api.put(url, data="{", headers={"Content-Type": "application/json"}, timeout=10)
    assert not_json.status_code == 400
    assert requests.get(url, timeout=10).status_code == 401


def test_an_opted_out_type_is_stored_and_not_emailed(
    stack: Stack, users: Users, mailbox: Mailbox, notification_store: NotificationStore
) -> None:
    owner = users.create("optout")
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {owner.token(stack)}"
    opted = api.put(
        f"{stack.gateway}/notifications/preferences",
        json={"email": {"task.updated": False}},
        timeout=10,
    )
    assert opted.status_code == 200, opted.text
    created = api.post(f"{stack.gateway}/tasks", json={"title": "Quiet please"}, timeout=10)
    task_id = created.json()["id"]
    api.patch(f"{stack.gateway}/tasks/{task_id}", json={"title": "Still quiet"}, timeout=10)
    api.post(f"{stack.gateway}/tasks/{task_id}/complete", timeout=10)

    def stored() -> dict[str, Any] | None:
        items = api.get(f"{stack.gateway}/notifications", timeout=10).json()["items"]
        by_type = {n["type"]: n for n in items if n["task_id"] == task_id}
        return by_type if len(by_type) == 3 else None

    notifications = eventually(stored, timeout=60)
    updated_event = notifications["task.updated"]["event_id"]
    completed_event = notifications["task.completed"]["event_id"]

    def settled() -> dict[str, str] | None:
        statuses = notification_store.delivery_statuses([updated_event, completed_event])
        done = statuses.get(completed_event) == "sent"
        return statuses if done and statuses.get(updated_event) not in (None, "pending") else None

    statuses = eventually(settled, timeout=60)
    assert statuses[updated_event] == "skipped"
    mailed = mailbox.event_ids_mailed_to(owner.email)
    assert completed_event in mailed
    assert notifications["task.created"]["event_id"] in mailed
    assert updated_event not in mailed
