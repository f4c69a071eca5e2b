"""GET /notifications/stream through the gateway on the real stack: a new task's notification
arrives, Last-Event-ID resumes without gaps or repeats, logout and expiry end the stream, no
token is a 401 problem, nobody sees another user's notifications."""

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests

from taskwire_testkit import Stack, User, Users, master_admin_grant

from .conftest import Events, cloud_event
from .sse import EventStream

# Contract section 2: a logged-out session's token is refused by every API within 2 s.
REVOCATION_DELAY_SECONDS = 2.0


@pytest.fixture
def streams() -> Iterator[Callable[[EventStream], EventStream]]:
    opened: list[EventStream] = []

    def keep(stream: EventStream) -> EventStream:
        opened.append(stream)
        return stream

    yield keep
    for stream in opened:
        stream.close()


def _open(
    stack: Stack, token: str | None, keep: Callable[[EventStream], EventStream], **kw: str
) -> EventStream:
    stream = keep(EventStream.open(stack.gateway, token, **kw))
    assert stream.response.status_code == 200, stream.response.text
    assert stream.response.headers["Content-Type"].startswith("text/event-stream")
    return stream


def test_a_created_tasks_notification_arrives_on_the_stream(
    stack: Stack, users: Users, streams: Callable[[EventStream], EventStream]
) -> None:
    token = users.create("streamed").token(stack)
    stream = _open(stack, token, streams)
    created = requests.post(
        f"{stack.gateway}/tasks",
        json={"title": "Watch it arrive"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    [event] = stream.notifications(1)
    item = event.json()
    assert (item["type"], item["task_id"], item["title"]) == (
        "task.created",
        created.json()["id"],
        "Watch it arrive",
    )
    assert event.id
    assert "connected" in stream.comments
    listed = requests.get(
        f"{stack.gateway}/notifications",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["items"]
    assert item in listed  # the same JSON as an item of GET /notifications


def test_resuming_with_last_event_id_loses_nothing_and_repeats_nothing(
    stack: Stack, users: Users, events: Events, streams: Callable[[EventStream], EventStream]
) -> None:
    user = users.create("resumed")
    token = user.token(stack)
    task = str(uuid.uuid4())
    first = _open(stack, token, streams)
    for n in (1, 2):
        events.publish(cloud_event(user.id, title=f"n{n}", task_id=task))
    seen = first.notifications(1)
    first.close()  # n2 may have been sent, but the client did not read it
    for n in (3, 4, 5):
        events.publish(cloud_event(user.id, title=f"n{n}", task_id=task))

    resumed = _open(stack, token, streams, last_event_id=str(seen[0].id))
    again = resumed.notifications(4)
    # In commit order; the worker may store several in one transaction, ordered by id there.
    titles = [e.json()["title"] for e in seen + again]
    assert sorted(titles) == ["n1", "n2", "n3", "n4", "n5"]
    events.publish(cloud_event(user.id, title="after", task_id=task))
    assert [e.json()["title"] for e in resumed.notifications(1)] == ["after"]
    ids = [e.id for e in seen + again]
    assert len(set(ids)) == len(ids)


def test_a_logged_out_sessions_stream_is_closed_within_the_revocation_delay(
    stack: Stack, users: Users, streams: Callable[[EventStream], EventStream]
) -> None:
    user = users.create("loggedout")
    login = requests.post(
        f"{stack.gateway}/auth/login",
        json={"username": user.username, "password": user.password},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    tokens = login.json()
    stream = _open(stack, tokens["access_token"], streams)
    logout = requests.post(
        f"{stack.gateway}/auth/logout", json={"refresh_token": tokens["refresh_token"]}, timeout=10
    )
    assert logout.status_code == 204
    logged_out = time.monotonic()
    end = stream.next()
    closed_after = time.monotonic() - logged_out
    assert end is not None
    assert (end.event, end.json()) == ("end", {"reason": "session_ended"})
    assert stream.next() is None  # the server closed it
    assert closed_after < REVOCATION_DELAY_SECONDS
    refused = EventStream.open(stack.gateway, tokens["access_token"])
    assert refused.response.status_code == 401


def test_an_expired_token_ends_the_stream(
    stack: Stack, users: Users, streams: Callable[[EventStream], EventStream]
) -> None:
    user = users.create("expiring")
    # Longer than one 15 s heartbeat, so that the idle stream shows one before it ends.
    with _short_lived_client(stack, lifespan_seconds=25) as token_of:
        token = token_of(user)
        stream = _open(stack, token, streams)
        end = stream.next()
    assert end is not None
    assert (end.event, end.json()) == ("end", {"reason": "token_expired"})
    assert stream.next() is None
    assert "heartbeat" in stream.comments


def test_without_a_token_the_stream_is_a_401_problem(stack: Stack) -> None:
    response = EventStream.open(stack.gateway, None).response
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_last_event_id_the_stream_never_sent_is_a_400_problem(stack: Stack, users: Users) -> None:
    token = users.create("badresume").token(stack)
    response = EventStream.open(stack.gateway, token, last_event_id="yesterday").response
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"


def test_another_users_notifications_never_appear(
    stack: Stack, users: Users, events: Events, streams: Callable[[EventStream], EventStream]
) -> None:
    alice, bob = users.create("alice"), users.create("bob")
    alices = _open(stack, alice.token(stack), streams)
    bobs = _open(stack, bob.token(stack), streams)
    task = str(uuid.uuid4())
    events.publish(cloud_event(bob.id, title="bob's", task_id=task))
    events.publish(cloud_event(alice.id, title="alice's", task_id=task))
    assert [e.json()["title"] for e in alices.notifications(1)] == ["alice's"]
    assert [e.json()["title"] for e in bobs.notifications(1)] == ["bob's"]


def test_a_user_over_the_stream_limit_gets_a_429_problem(
    stack: Stack, users: Users, streams: Callable[[EventStream], EventStream]
) -> None:
    token = users.create("greedy").token(stack)
    # 10 per user per API process, two processes: the 21st cannot find room on either.
    answers = [streams(EventStream.open(stack.gateway, token)).response for _ in range(21)]
    refused = [r for r in answers if r.status_code == 429]
    assert refused
    assert all(r.status_code in (200, 429) for r in answers)
    assert refused[0].headers["Content-Type"] == "application/problem+json"
    assert refused[0].headers["Retry-After"]


class _short_lived_client:  # noqa: N801 (a context manager read as a phrase)
    """A confidential client of the realm whose access tokens live `lifespan_seconds`, made
    through the master realm's admin API and deleted afterwards."""

    def __init__(self, stack: Stack, lifespan_seconds: int) -> None:
        self._stack = stack
        self._lifespan = lifespan_seconds
        self._client_id = f"stream-expiry-{uuid.uuid4().hex[:8]}"
        self._secret = uuid.uuid4().hex
        self._admin = stack.realm.replace("/realms/", "/admin/realms/")
        self._uuid: str | None = None

    def __enter__(self) -> Callable[[User], str]:
        grant = master_admin_grant(self._stack)
        grant.raise_for_status()
        self._headers = {"Authorization": f"Bearer {grant.json()['access_token']}"}
        made = requests.post(
            f"{self._admin}/clients",
            json={
                "clientId": self._client_id,
                "secret": self._secret,
                "publicClient": False,
                "directAccessGrantsEnabled": True,
                "standardFlowEnabled": False,
                "attributes": {"access.token.lifespan": str(self._lifespan)},
                "protocolMappers": [
                    {
                        "name": "task-api audience",
                        "protocol": "openid-connect",
                        "protocolMapper": "oidc-audience-mapper",
                        "config": {
                            "included.custom.audience": "task-api",
                            "access.token.claim": "true",
                        },
                    }
                ],
            },
            headers=self._headers,
            timeout=10,
        )
        made.raise_for_status()
        self._uuid = made.headers["Location"].rsplit("/", 1)[-1]
        return self._token

    def __exit__(self, *_exc: object) -> None:
        if self._uuid:
            requests.delete(
                f"{self._admin}/clients/{self._uuid}", headers=self._headers, timeout=10
            )

    def _token(self, user: User) -> str:
        response = requests.post(
            f"{self._stack.realm}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": self._client_id,
                "client_secret": self._secret,
                "username": user.username,
                "password": user.password,
                "scope": "openid",
            },
            timeout=10,
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token
