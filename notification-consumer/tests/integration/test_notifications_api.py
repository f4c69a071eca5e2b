"""GET /notifications through the gateway: the caller's own, newest first, keyset pages,
problem+json errors."""

import uuid
from collections.abc import Callable

from .conftest import Events, Reader, cloud_event, eventually


def test_an_event_shows_up_in_its_owners_list_and_nowhere_else(
    reader: Callable[[], Reader], events: Events
) -> None:
    alice, bob = reader(), reader()
    event = cloud_event(alice.user.id, "task.completed", title="Ship it", status="done")
    events.publish(event)
    item = eventually(lambda: alice.find(event["id"]), timeout=10)
    assert item == {
        "id": item["id"],
        "event_id": event["id"],
        "type": "task.completed",
        "task_id": event["subject"],
        "title": "Ship it",
        "message": "Your task \u201cShip it\u201d was completed. Well done!",
        "created_at": item["created_at"],
    }
    assert uuid.UUID(item["id"]).version == 7
    assert bob.get().json() == {"items": [], "next_cursor": None}


def test_walking_the_pages_returns_each_notification_once_newest_first(
    reader: Callable[[], Reader], events: Events
) -> None:
    alice = reader()
    sent = [cloud_event(alice.user.id, title=f"task {n}") for n in range(25)]
    for event in sent:
        events.publish(event)
    eventually(lambda: len(alice.get(limit=100).json()["items"]) == 25, timeout=15)

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        page = alice.get(**params)
        assert page.status_code == 200
        seen += page.json()["items"]
        pages += 1
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(n["event_id"] for n in seen) == sorted(e["id"] for e in sent)
    keys = [(n["created_at"], n["id"]) for n in seen]
    assert keys == sorted(keys, reverse=True)


def test_the_default_page_has_twenty(reader: Callable[[], Reader], events: Events) -> None:
    alice = reader()
    for n in range(21):
        events.publish(cloud_event(alice.user.id, title=f"t{n}"))
    eventually(lambda: len(alice.get(limit=100).json()["items"]) == 21, timeout=15)
    page = alice.get().json()
    assert len(page["items"]) == 20
    assert page["next_cursor"]


def test_bad_queries_are_422_problems(reader: Callable[[], Reader], events: Events) -> None:
    alice, bob = reader(), reader()
    for _ in range(2):
        events.publish(cloud_event(bob.user.id))
    bobs_cursor = eventually(lambda: bob.get(limit=1).json()["next_cursor"], timeout=10)
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"limit": "many"},
        {"cursor": "not-a-cursor"},
        {"cursor": bobs_cursor},  # another user's cursor is not a way into their list
        {"unknown": "1"},
    ):
        response = alice.get(**params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == 422
        assert body["errors"]


def test_without_a_valid_token_it_is_a_401_bearer_challenge(reader: Callable[[], Reader]) -> None:
    alice = reader()
    alice.session.headers["Authorization"] = "Bearer not-a-token"
    response = alice.get()
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"].startswith("application/problem+json")
