"""The Keycloak directory against a scripted admin API on a local socket: addresses are cached,
unknown owners too (for less long), an expired token is renewed once, and an outage is told
apart from a missing address."""

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notification_consumer.adapters.keycloak import KeycloakDirectory
from notification_consumer.domain.emails import Recipient
from notification_consumer.domain.errors import DirectoryUnavailable, NoEmailAddress

ALICE = uuid.UUID("00000000-0000-7000-8000-00000000a11c")
NOBODY = uuid.UUID("00000000-0000-7000-8000-000000000000")


@dataclass
class Realm:
    users: dict[str, dict[str, object]] = field(default_factory=dict)
    tokens_issued: int = 0
    lookups: int = 0
    expired_once: bool = False  # answer 401 to the first look-up, as for a revoked token
    down: bool = False


class AdminApi(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        realm: Realm = self.server.realm  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        realm.tokens_issued += 1
        self.answer(200, {"access_token": f"token-{realm.tokens_issued}", "expires_in": 3600})

    def do_GET(self) -> None:
        realm: Realm = self.server.realm  # type: ignore[attr-defined]
        if realm.down:
            self.answer(503, {})
            return
        realm.lookups += 1
        if realm.expired_once:
            realm.expired_once = False
            self.answer(401, {})
            return
        user = realm.users.get(self.path.rsplit("/", 1)[-1])
        self.answer(200, user) if user else self.answer(404, {"error": "User not found"})

    def answer(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def realm() -> Iterator[tuple[Realm, str]]:
    realm = Realm(users={str(ALICE): {"email": "alice@example.test", "enabled": True}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), AdminApi)
    server.realm = realm  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield realm, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def directory(url: str, clock: Clock) -> KeycloakDirectory:
    return KeycloakDirectory(url, "taskwire", "notification-consumer", "secret", clock=clock)


def test_an_address_is_looked_up_once_then_cached_until_it_expires(
    realm: tuple[Realm, str],
) -> None:
    state, url = realm
    clock = Clock()
    users = directory(url, clock)
    assert users.recipient_of(ALICE).address == "alice@example.test"
    assert users.recipient_of(ALICE).address == "alice@example.test"
    assert state.lookups == 1
    clock.now += 301
    state.users[str(ALICE)]["email"] = "alice@new.example.test"
    assert users.recipient_of(ALICE).address == "alice@new.example.test"
    assert state.lookups == 2
    assert state.tokens_issued == 1


def test_the_recipient_has_the_users_name_and_zoneinfo_attribute(
    realm: tuple[Realm, str],
) -> None:
    state, url = realm
    state.users[str(ALICE)].update(
        firstName=" Alice ", lastName="Liddell", attributes={"zoneinfo": ["Europe/Berlin"]}
    )
    assert directory(url, Clock()).recipient_of(ALICE) == Recipient(
        "alice@example.test", "Alice Liddell", "Europe/Berlin"
    )


def test_without_a_name_or_zone_the_recipient_has_the_address_only(
    realm: tuple[Realm, str],
) -> None:
    _state, url = realm
    assert directory(url, Clock()).recipient_of(ALICE) == Recipient("alice@example.test", "", None)


def test_an_unknown_owner_is_remembered_for_a_minute(realm: tuple[Realm, str]) -> None:
    state, url = realm
    clock = Clock()
    users = directory(url, clock)
    for _ in range(2):
        with pytest.raises(NoEmailAddress, match="not a user"):
            users.recipient_of(NOBODY)
    assert state.lookups == 1
    clock.now += 61
    with pytest.raises(NoEmailAddress):
        users.recipient_of(NOBODY)
    assert state.lookups == 2


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ({"enabled": False, "email": "x@example.test"}, "disabled"),
        ({"enabled": True}, "no e-mail address"),
    ],
)
def test_a_disabled_owner_or_one_without_address_gets_no_email(
    realm: tuple[Realm, str], user: dict[str, object], reason: str
) -> None:
    state, url = realm
    state.users[str(ALICE)] = user
    with pytest.raises(NoEmailAddress, match=reason):
        directory(url, Clock()).recipient_of(ALICE)


def test_a_refused_token_is_renewed_once(realm: tuple[Realm, str]) -> None:
    state, url = realm
    state.expired_once = True
    assert directory(url, Clock()).recipient_of(ALICE).address == "alice@example.test"
    assert state.tokens_issued == 2


def test_an_outage_is_unavailable_not_a_missing_address(realm: tuple[Realm, str]) -> None:
    state, url = realm
    state.down = True
    with pytest.raises(DirectoryUnavailable, match="503"):
        directory(url, Clock()).recipient_of(ALICE)
    with pytest.raises(DirectoryUnavailable):
        directory("http://127.0.0.1:1", Clock()).recipient_of(ALICE)
