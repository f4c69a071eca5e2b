"""Relay throughput: draining a backlog of outbox events, WAL relay against a polling relay,
side by side in one run, on the running native stack (`make up`).

    uv run --frozen --all-packages python bench/relay/drain.py [--events 100000]
        [--poll-batch 1000] [--steady-rate 200] [--steady-seconds 10]

1. Stops the stack's two relays (they would decode the same WAL and share the 2 cores).
2. Creates bench-only objects: a slot + publication over `bench_relay_outbox` (the outbox's
   shape, rows inserted and deleted in the same transaction, one event per transaction, as
   task-api writes them), `bench_relay_polled` (the same events, rows kept, for the polling
   relay) and the topic `bench.relay-events` (6 partitions, like task-events).
3. Writes the backlog, then starts ONE `taskwire-relay` process on the bench slot (production
   settings: acks=all, idempotent, one log line per event) and times it until the topic holds
   every event (then checks that the slot got confirmed past the backlog's last commit).
4. Runs the polling relay on the same events with the same producer and record mapping, timed
   the same way.
5. Then each relay alone under a steady load (200 events/s for 10 s, one synchronous commit
   each): the delay from an event's commit to the relay handing it to Kafka (the record's
   CreateTime), p50 and p99.
6. Drops every bench object and starts the stack's relays again, whatever happened.
"""

import argparse
import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import polling_relay
import psycopg2
import requests
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from psycopg2.extras import LogicalReplicationConnection, execute_values

from task_api.domain.events import task_event
from task_api.domain.tasks import Task
from task_api.relay.producer import KafkaPublisher
from taskwire_events import EventType
from taskwire_sql import uuid7
from taskwire_testkit import Stack

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv/bin"
SLOT = PUBLICATION = "bench_relay"
WAL_TABLE, POLLED_TABLE = "bench_relay_outbox", "bench_relay_polled"
TOPIC = "bench.relay-events"
COLUMNS = "id, aggregatetype, aggregateid, type, payload, request_id, created_at"
RELAY_PORT = 8094
OWNER = ("tasks_owner", os.environ.get("TASKS_OWNER_DB_PASSWORD", "tasks-owner-dev-only-password"))
RELAY = ("task_relay", os.environ.get("TASK_RELAY_DB_PASSWORD", "task-relay-dev-only-password"))


def supervisorctl(*args: str) -> None:
    script = (
        "source scripts/stack/env.sh && "
        'exec .venv/bin/supervisorctl -c scripts/stack/supervisord.conf "$@"'
    )
    subprocess.run(["bash", "-c", script, "supervisorctl", *args], cwd=ROOT, check=False)


def sql(
    stack: Stack, role: tuple[str, str], statement: str, params: tuple[object, ...] = ()
) -> list[tuple[object, ...]]:
    connection = psycopg2.connect(stack.dsn(role[0], role[1], "tasks"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def drop_bench_objects(stack: Stack) -> None:
    with suppress(psycopg2.Error):
        sql(
            stack,
            RELAY,
            "SELECT pg_drop_replication_slot(%s) FROM pg_replication_slots WHERE slot_name = %s",
            (SLOT, SLOT),
        )
    sql(stack, OWNER, f"DROP PUBLICATION IF EXISTS {PUBLICATION}")
    sql(stack, OWNER, f"DROP TABLE IF EXISTS {WAL_TABLE}, {POLLED_TABLE}")
    admin = KafkaAdminClient(**stack.kafka_admin, client_id="bench-relay")
    try:
        if TOPIC in admin.list_topics():
            admin.delete_topics([TOPIC])
            time.sleep(2)  # let the broker finish deleting before the name is reused
    finally:
        admin.close()


def create_bench_objects(stack: Stack) -> None:
    sql(stack, OWNER, f"CREATE TABLE {WAL_TABLE} (LIKE outbox INCLUDING ALL)")
    sql(
        stack,
        OWNER,
        f"CREATE TABLE {POLLED_TABLE} (seq bigserial PRIMARY KEY, LIKE outbox INCLUDING DEFAULTS)",
    )
    sql(stack, OWNER, f"GRANT SELECT ON {WAL_TABLE} TO task_relay")
    sql(
        stack,
        OWNER,
        f"CREATE PUBLICATION {PUBLICATION} FOR TABLE {WAL_TABLE} WITH (publish = 'insert')",
    )
    replication = psycopg2.connect(
        stack.dsn(*RELAY, "tasks"), connection_factory=LogicalReplicationConnection
    )
    try:
        replication.cursor().create_replication_slot(SLOT, output_plugin="pgoutput")
    finally:
        replication.close()
    admin = KafkaAdminClient(**stack.kafka_admin, client_id="bench-relay")
    try:
        admin.create_topics([NewTopic(TOPIC, num_partitions=6, replication_factor=1)])
    finally:
        admin.close()


def events(count: int, tasks: int) -> Iterator[dict[str, object]]:
    """Realistic CloudEvents: `tasks` tasks of one owner, created then updated in turn."""
    owner = uuid.uuid4()
    ids = [uuid7() for _ in range(tasks)]
    for n in range(count):
        now = datetime.now(UTC)
        task = Task.new(
            id=ids[n % tasks],
            owner_id=owner,
            now=now,
            title=f"bench task {n}",
            description="An outbox event of typical size for the relay benchmark.",
        )
        kind = EventType.CREATED if n < tasks else EventType.UPDATED
        yield task_event(uuid7(), kind, task, now, f"bench-{n}")


def write_backlog(stack: Stack, count: int) -> tuple[float, str]:
    """The same events into the polled table (kept rows), then one transaction per event into
    the WAL table (insert + delete, as task-api does). Returns the seconds the WAL writes took
    and an LSN inside the last one: the slot is confirmed past it once the backlog is."""
    connection = psycopg2.connect(stack.dsn(*OWNER, "tasks"))
    connection.autocommit = True
    rows = [
        (e["id"], "task", e["subject"], e["type"], json.dumps(e), e.get("requestid"), e["time"])
        for e in events(count, tasks=max(1, count // 10))
    ]
    insert = (
        f"INSERT INTO {WAL_TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s);"  # noqa: S608
        f" DELETE FROM {WAL_TABLE} WHERE id = %s"
    )
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            f"INSERT INTO {POLLED_TABLE} ({COLUMNS}) VALUES %s",  # noqa: S608
            rows,
            page_size=5000,
        )
        cursor.execute("SET synchronous_commit = off")  # the WAL's content is the same
        began = time.monotonic()
        for row in rows[:-1]:
            cursor.execute(insert, (*row, row[0]))
        connection.autocommit = False
        cursor.execute(insert, (*rows[-1], rows[-1][0]))
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        (inside_last,) = cursor.fetchone() or ("",)
        connection.commit()
        took = time.monotonic() - began
    connection.close()
    return took, str(inside_last)


def slot_confirmed_past(stack: Stack, lsn: str) -> bool:
    rows = sql(
        stack,
        RELAY,
        "SELECT confirmed_flush_lsn >= %s::pg_lsn FROM pg_replication_slots WHERE slot_name = %s",
        (lsn, SLOT),
    )
    return bool(rows and rows[0][0])


class Topic:
    """The bench topic's end offsets and records, through one consumer."""

    def __init__(self, stack: Stack) -> None:
        self._consumer = KafkaConsumer(**stack.kafka_admin, enable_auto_commit=False)
        ids = self._consumer.partitions_for_topic(TOPIC) or set()
        self._partitions = [TopicPartition(TOPIC, p) for p in ids]

    def ends(self) -> dict[TopicPartition, int]:
        ends: dict[TopicPartition, int] = self._consumer.end_offsets(self._partitions)
        return ends

    def size(self) -> int:
        return sum(self.ends().values())

    def latencies(self, since: dict[TopicPartition, int]) -> list[float]:
        """Seconds from each event's commit (its `time`, set just before) to its record's
        CreateTime (when the relay handed it to the producer), for the records after `since`."""
        self._consumer.assign(self._partitions)
        for partition, offset in since.items():
            self._consumer.seek(partition, offset)
        ends, found = self.ends(), []
        while any(self._consumer.position(p) < ends[p] for p in self._partitions):
            for records in self._consumer.poll(timeout_ms=1000).values():
                for record in records:
                    event_time = datetime.fromisoformat(json.loads(record.value)["time"])
                    found.append(record.timestamp / 1000 - event_time.timestamp())
        return found

    def close(self) -> None:
        self._consumer.close()


def streaming(port: int) -> bool:
    with suppress(requests.RequestException):
        response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
        return response.status_code == 200 and response.json()["role"] == "leader"
    return False


def wait_until(reached: Callable[[], bool], began: float, what: str) -> float:
    while not reached():
        if time.monotonic() - began > 600:
            raise RuntimeError(f"{what} did not finish within 10 minutes")
        time.sleep(0.02)
    return time.monotonic()


@contextmanager
def wal_relay(stack: Stack, log: Path) -> Iterator[tuple[float, float]]:
    """One `taskwire-relay` process on the bench slot; yields when it started and when it
    streamed."""
    env = {
        **os.environ,
        "RELAY_SLOT": SLOT,
        "RELAY_PUBLICATION": PUBLICATION,
        "RELAY_TOPIC": TOPIC,
        "RELAY_PORT": str(RELAY_PORT),
        "RELAY_INSTANCE": "bench",
        **stack.relay_as_admin(),
    }
    with log.open("a") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            [str(VENV / "taskwire-relay")], env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield started, wait_until(lambda: streaming(RELAY_PORT), started, "the relay start")
        finally:
            process.terminate()
            process.wait(timeout=30)


@contextmanager
def polling_relay_running(stack: Stack, batch: int) -> Iterator[float]:
    """The polling relay in a thread, until the block ends; yields when it started."""
    publisher = KafkaPublisher(stack.kafka_clients(), TOPIC, "bench-polling-relay")
    stop = threading.Event()
    relay = threading.Thread(
        target=polling_relay.run,
        args=(stack.dsn(*OWNER, "tasks"), POLLED_TABLE, publisher, batch, lambda _: stop.is_set()),
    )
    started = time.monotonic()
    relay.start()
    try:
        yield started
    finally:
        stop.set()
        relay.join(timeout=30)
        publisher.close(10)


def write_steadily(stack: Stack, table: str, rate: float, seconds: float) -> int:
    """Task events at a steady rate, one committed transaction each (synchronous commit)."""
    connection = psycopg2.connect(stack.dsn(*OWNER, "tasks"))
    connection.autocommit = True
    statement = f"INSERT INTO {table} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"  # noqa: S608
    if table == WAL_TABLE:
        statement += f"; DELETE FROM {table} WHERE id = %s"  # noqa: S608
    count = int(rate * seconds)
    began = time.monotonic()
    with connection.cursor() as cursor:
        for n, e in enumerate(events(count, tasks=max(1, count // 10))):
            time.sleep(max(0.0, began + n / rate - time.monotonic()))
            row = (e["id"], "task", e["subject"], e["type"], json.dumps(e), e.get("requestid"))
            params = (*row, e["time"], e["id"]) if table == WAL_TABLE else (*row, e["time"])
            cursor.execute(statement, params)
    connection.close()
    return count


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@contextmanager
def stack_relays_stopped() -> Iterator[None]:
    supervisorctl("stop", "relay", "relay-standby")
    try:
        yield
    finally:
        supervisorctl("start", "relay", "relay-standby")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--poll-batch", type=int, default=1000)
    parser.add_argument("--steady-rate", type=float, default=200)
    parser.add_argument("--steady-seconds", type=float, default=10)
    args = parser.parse_args()
    stack, n = Stack(), args.events
    log = ROOT / ".state/log/bench-relay.log"
    log.unlink(missing_ok=True)
    print(f"load average before: {os.getloadavg()}")
    drop_bench_objects(stack)
    with stack_relays_stopped():
        try:
            create_bench_objects(stack)
            writing, last_lsn = write_backlog(stack, n)
            print(f"backlog: {n:,} events in {writing:.1f} s ({n / writing:,.0f} commits/s)")
            topic = Topic(stack)

            with wal_relay(stack, log) as (started, streaming_at):
                done = wait_until(lambda: topic.size() >= n, started, "the WAL relay")
                wait_until(lambda: slot_confirmed_past(stack, last_lsn), started, "confirmation")
            wal_total, wal_streaming = done - started, done - streaming_at
            with polling_relay_running(stack, args.poll_batch) as started:
                done = wait_until(lambda: topic.size() >= 2 * n, started, "the polling relay")
            polling = done - started
            drained = topic.size()

            latency = {}
            for name, table in (("WAL relay", WAL_TABLE), ("polling relay", POLLED_TABLE)):
                since, before = topic.ends(), topic.size()
                running = (
                    wal_relay(stack, log)
                    if table == WAL_TABLE
                    else polling_relay_running(stack, args.poll_batch)
                )
                with running:
                    count = write_steadily(stack, table, args.steady_rate, args.steady_seconds)
                    wait_until(
                        lambda c=count, b=before: topic.size() >= b + c, time.monotonic(), name
                    )
                latency[name] = percentiles(topic.latencies(since))
            topic.close()
        finally:
            drop_bench_objects(stack)
    print(f"load average after: {os.getloadavg()}")
    print(f"records on {TOPIC} after the drains: {drained:,} (expected {2 * n:,})")
    print(f"\nDraining {n:,} events:\n")
    print("| relay | drain time | events/s |")
    print("| --- | --- | --- |")
    rows = [
        ("WAL relay, from process start", wal_total),
        ("WAL relay, from streaming start", wal_streaming),
        (f"polling relay (batch {args.poll_batch}, 500 ms poll)", polling),
    ]
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} s | {n / seconds:,.0f} |")
    rate, seconds = args.steady_rate, args.steady_seconds
    print(f"\nSteady {rate:.0f} events/s for {seconds:.0f} s, commit to handed to Kafka:\n")
    print("| relay | p50 ms | p99 ms |")
    print("| --- | --- | --- |")
    for name, (p50, p99) in latency.items():
        print(f"| {name} | {p50 * 1000:.0f} | {p99 * 1000:.0f} |")


if __name__ == "__main__":
    main()
