"""Ended sessions, shared through Kafka: every API instance follows the topic in memory, so a
token check asks a dict, never the network (docs/identity.md)."""

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from taskwire_auth.principal import Principal
from taskwire_events.backoff import Backoff
from taskwire_events.kafka_clients import KafkaClients

TOPIC = "auth.revocations"
# The protocol generation to speak. Naming it spares the eager bootstrap that kafka-python does
# otherwise, so building a client never blocks (or fails) while Kafka is down.
KAFKA_API_VERSION = (4, 0)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Revocation:
    """Session `sid` of user `sub` ended at `revoked_at`; without a `sid`, every session of `sub`
    that got its tokens until then. Useless after `expires_at`: by then every access token that it
    could refuse has expired. Times are Unix seconds."""

    sid: str | None
    sub: str | None
    revoked_at: float
    expires_at: float

    def __post_init__(self) -> None:
        if self.sid is None and self.sub is None:
            raise ValueError("a revocation needs a sid or a sub")

    @property
    def key(self) -> bytes:
        """The Kafka record key: the session, or the subject for a user-wide revocation."""
        return (self.sid or f"sub:{self.sub}").encode()

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Revocation":
        data: dict[str, Any] = json.loads(raw)
        return cls(
            sid=_optional_text(data.get("sid")),
            sub=_optional_text(data.get("sub")),
            revoked_at=float(data["revoked_at"]),
            expires_at=float(data["expires_at"]),
        )


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


class RevocationList:
    """Thread-safe. Reads take no lock: a dict lookup is atomic in CPython, and writers replace
    entries whole."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._now = clock
        self._sessions: dict[str, float] = {}  # sid -> expires_at
        self._subjects: dict[str, tuple[float, float]] = {}  # sub -> (revoked_at, expires_at)
        self._lock = threading.Lock()

    def revoke(self, revocation: Revocation) -> None:
        with self._lock:
            if revocation.sid is not None:
                known = self._sessions.get(revocation.sid, 0.0)
                self._sessions[revocation.sid] = max(known, revocation.expires_at)
            elif revocation.sub is not None:
                revoked_at, expires_at = self._subjects.get(revocation.sub, (0.0, 0.0))
                self._subjects[revocation.sub] = (
                    max(revoked_at, revocation.revoked_at),
                    max(expires_at, revocation.expires_at),
                )

    def is_revoked(self, principal: Principal) -> bool:
        """The `TokenValidator(is_revoked=...)` hook: O(1), no I/O."""
        now = self._now()
        if principal.session_id is not None:
            expires_at = self._sessions.get(principal.session_id)
            if expires_at is not None and expires_at > now:
                return True
        cut = self._subjects.get(principal.subject)
        return cut is not None and principal.issued_at <= cut[0] and cut[1] > now

    def purge(self) -> int:
        """Forget entries that can no longer refuse a token; returns how many went."""
        now = self._now()
        with self._lock:
            sessions = {sid: exp for sid, exp in self._sessions.items() if exp > now}
            subjects = {sub: cut for sub, cut in self._subjects.items() if cut[1] > now}
            gone = len(self._sessions) - len(sessions) + len(self._subjects) - len(subjects)
            self._sessions, self._subjects = sessions, subjects
        return gone

    def __len__(self) -> int:
        return len(self._sessions) + len(self._subjects)


class RevocationFollower:
    """A daemon thread that reads the revocation topic from its beginning, then follows it,
    feeding a `RevocationList`. No consumer group: every instance reads every record. It
    reconnects by itself while Kafka is away; `caught_up` is set once the backlog present at
    start-up has been read."""

    def __init__(
        self,
        revocations: RevocationList,
        login: KafkaClients,
        topic: str = TOPIC,
        poll_timeout_ms: int = 1000,
        purge_every_seconds: float = 30.0,
        consumer_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.revocations = revocations
        self.caught_up = threading.Event()
        self._topic = topic
        self._poll_timeout_ms = poll_timeout_ms
        self._purge_every = purge_every_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Probed only for the real consumer; a given factory brings its own connectivity.
        self._bootstrap = None if consumer_factory else login.bootstrap
        self._consumer_factory = consumer_factory or (
            lambda: KafkaConsumer(
                **login.connection(),
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                api_version=KAFKA_API_VERSION,
                client_id="taskwire-revocation-follower",
                reconnect_backoff_max_ms=2000,
                request_timeout_ms=10_000,
            )
        )

    def start(self) -> "RevocationFollower":
        self._thread = threading.Thread(target=self._run, name="revocation-follower", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = Backoff.steady(0.5, 10.0)
        while not self._stop.is_set():
            consumer = None
            began = time.monotonic()
            try:
                if not self._broker_answers():
                    raise ConnectionError("no Kafka broker accepts connections")
                consumer = self._consumer_factory()
                self._follow(consumer)
                return
            except Exception as error:  # any failure: keep what we have, reconnect later
                if time.monotonic() - began > 60:
                    backoff.reset()  # it worked for a while: this is a new outage
                delay = backoff.next()
                log.warning(
                    "revocation follower lost Kafka; retrying",
                    extra={"topic": self._topic, "error": repr(error), "retry_in_s": delay},
                )
            finally:
                if consumer is not None:
                    _close_quietly(consumer)
            self._stop.wait(delay)

    def _broker_answers(self) -> bool:
        """Knock before building a client: kafka-python 3.0 leaks a socket per failed connect
        while it retries on its own, so it only gets to run once a broker is there."""
        if self._bootstrap is None:
            return True
        for server in self._bootstrap.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                with socket.create_connection((host.strip("[]"), int(port)), timeout=2):
                    return True
            except (OSError, ValueError):
                continue
        return False

    def _follow(self, consumer: Any) -> None:
        partitions = self._partitions(consumer)
        if not partitions:
            raise LookupError(f"topic {self._topic} has no partitions (does it exist?)")
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        backlog: dict[Any, int] = dict(consumer.end_offsets(partitions))
        log.info(
            "following revocations",
            extra={"topic": self._topic, "backlog": sum(backlog.values())},
        )
        last_purge = time.monotonic()
        while not self._stop.is_set():
            if not self.caught_up.is_set() and all(
                consumer.position(tp) >= end for tp, end in backlog.items()
            ):
                self.caught_up.set()
                log.info("revocations caught up", extra={"entries": len(self.revocations)})
            batches = consumer.poll(timeout_ms=self._poll_timeout_ms)
            for records in batches.values():
                for record in records:
                    self._apply(record.value)
            if time.monotonic() - last_purge > self._purge_every:
                self.revocations.purge()
                last_purge = time.monotonic()

    def _partitions(self, consumer: Any) -> list[TopicPartition]:
        ids = consumer.partitions_for_topic(self._topic) or set()
        return [TopicPartition(self._topic, p) for p in sorted(ids)]

    def _apply(self, raw: bytes | None) -> None:
        if raw is None:
            return
        try:
            self.revocations.revoke(Revocation.from_json(raw))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            log.error("unreadable revocation record skipped", extra={"error": repr(error)})


def _close_quietly(consumer: Any) -> None:
    try:
        consumer.close()
    except Exception as error:  # closing a broken client must not hide the original failure
        log.debug("closing the revocation consumer failed", extra={"error": repr(error)})
