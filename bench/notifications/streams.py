"""Notification streams on one notification-API instance: how many idle streams it holds and
the memory each costs, then event → SSE delivery latency under a steady write rate. Results:
docs/performance.md, "Notification stream".

    ip netns exec NAME uv run --frozen --all-packages python bench/notifications/streams.py

It starts its own instance of the API (the same `gunicorn -c gunicorn.conf.py`, one gevent
worker, on loopback port 8013) beside the running native stack, so that the measured process
holds nothing but the bench's streams, and makes its own users (one user may hold only 10
streams by default, so the instance runs with a higher per-user limit).

1. Idle: RSS of the worker before and after opening `--idle` streams (each has received its
   `: connected` comment, so the server holds it), held through a heartbeat.
2. Latency: `--streams` streams, one per user; a writer commits one notification per
   transaction at `--rate`/s, round-robin over those users, straight into the notifications
   table as the worker does (the path from Kafka to this table is measured by latency.py).
   Latency: the client's receipt of the `data:` line minus the writer's clock just before
   COMMIT, one clock.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

from taskwire_testkit import Stack, User, Users

ROOT = Path(__file__).resolve().parents[2]
PORT = 8013


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=1000, help="idle streams to open")
    parser.add_argument("--streams", type=int, default=200, help="streams during the writes")
    parser.add_argument("--rate", type=int, default=200, help="notifications written per second")
    parser.add_argument("--seconds", type=int, default=30, help="how long to write")
    parser.add_argument(
        "--users", type=int, default=40, help="bench users (streams spread over them)"
    )
    args = parser.parse_args()

    stack = Stack()
    users = Users(stack)
    server = _start_api(args.idle + args.streams)
    try:
        with ThreadPoolExecutor(4) as pool:
            made = list(pool.map(lambda _: users.create("stream-bench"), range(args.users)))
            tokens = list(pool.map(lambda u: u.token(stack), made))
        worker = _worker_pid(server.pid)
        asyncio.run(_idle(worker, tokens, args.idle))
        asyncio.run(_latency(stack, made, tokens, args))
    finally:
        server.terminate()
        server.wait(30)
        users.delete_all()


def _start_api(max_streams: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NOTIFICATIONS_PORT": str(PORT),
        "NOTIFICATIONS_WORKERS": "1",
        "NOTIFICATIONS_STREAMS_PER_USER": "1000",
        "NOTIFICATIONS_STREAMS_MAX": str(max_streams + 100),
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT / "notification-consumer",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            out = subprocess.run(
                ["curl", "-fsS", "-m", "2", f"http://127.0.0.1:{PORT}/readyz"],
                capture_output=True,
                check=False,
            )
            if out.returncode == 0:
                return server
        except OSError:
            pass
        time.sleep(1)
    server.terminate()
    raise SystemExit("the bench's notification API did not become ready")


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.5)
    raise SystemExit("no gunicorn worker")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError("VmRSS")


async def _connect(token: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """An HTTP/1.0 stream request (no chunking); returns once `: connected` has arrived."""
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(
        (
            "GET /notifications/stream HTTP/1.0\r\nHost: bench\r\n"
            f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(status.decode(errors="replace").strip())
    while (await reader.readline()).strip() != b": connected":
        pass
    return reader, writer


async def _open_all(
    tokens: list[str], count: int
) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    gate = asyncio.Semaphore(50)  # connection attempts in flight: the accept queue stays short

    async def one(n: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with gate:
            return await _connect(tokens[n % len(tokens)])

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def _idle(worker: int, tokens: list[str], count: int) -> None:
    await asyncio.sleep(3)
    before = _rss_mib(worker)
    began = time.monotonic()
    streams = await _open_all(tokens, count)
    opened_in = time.monotonic() - began
    await asyncio.sleep(20)  # past a heartbeat: every stream still open, nothing freed yet
    after = _rss_mib(worker)
    alive = sum(1 for reader, _ in streams if not reader.at_eof())
    print(
        f"idle streams: {count} opened in {opened_in:.1f} s, {alive} still open after 20 s;"
        f" worker RSS {before:.1f} -> {after:.1f} MiB: +{after - before:.1f} MiB,"
        f" {(after - before) * 1024 / count:.1f} KiB per stream"
    )
    for _, writer in streams:
        writer.close()
    await asyncio.sleep(5)


async def _latency(
    stack: Stack, made: list[User], tokens: list[str], args: argparse.Namespace
) -> None:
    streams = await _open_all(tokens, args.streams)
    # _open_all spreads streams round-robin over the users: stream n belongs to user n % users.
    owners = [made[n % len(made)].id for n in range(min(args.streams, len(made)))]
    streams_of = {owner: 0 for owner in owners}
    for n in range(args.streams):
        streams_of[made[n % len(made)].id] += 1
    written: dict[str, tuple[str, float]] = {}  # notification id -> (owner, just before COMMIT)
    delivered: list[tuple[str, float]] = []  # (notification id, received at), every stream

    async def read(reader: asyncio.StreamReader) -> None:
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                delivered.append((json.loads(line[6:])["id"], time.time()))

    readers = [asyncio.create_task(read(reader)) for reader, _ in streams]
    writer = threading.Thread(target=_write, args=(stack, owners, args, written), daemon=True)
    writer.start()
    while writer.is_alive():
        await asyncio.sleep(0.5)
    expected = sum(streams_of[owner] for owner, _ in written.values())
    deadline = time.monotonic() + 30
    while len(delivered) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    for task in readers:
        task.cancel()
    for _, w in streams:
        w.close()
    latencies = sorted((at - written[i][1]) * 1000 for i, at in delivered if i in written)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    print(
        f"delivery: {len(written)} written in {args.seconds} s"
        f" ({len(written) / args.seconds:.0f}/s)"
        f" to {len(owners)} users' {args.streams} streams; {len(latencies)} of {expected}"
        f" deliveries; commit -> SSE received p50 {q[49]:.1f} ms  p90 {q[89]:.1f}"
        f"  p99 {q[98]:.1f}  max {latencies[-1]:.1f}"
    )


def _write(
    stack: Stack, owners: list[str], args: argparse.Namespace, written: dict[str, tuple[str, float]]
) -> None:
    password = os.environ.get(
        "NOTIFICATION_CONSUMER_DB_PASSWORD", "notification-consumer-dev-only-password"
    )
    connection = psycopg2.connect(stack.dsn("notification_consumer", password, "notifications"))
    began = time.monotonic()
    try:
        with connection.cursor() as cursor:
            for n in range(args.rate * args.seconds):
                pause = began + n / args.rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                event_id, notification_id = uuid.uuid4(), uuid.uuid4()
                now = datetime.now(UTC)
                cursor.execute(
                    'INSERT INTO processed_events (event_id, type, topic, partition, "offset",'
                    " processed_at) VALUES (%s, 'task.created', 'bench', 0, %s, %s)",
                    (str(event_id), n, now),
                )
                cursor.execute(
                    "INSERT INTO notifications (id, owner_id, event_id, type, task_id, title,"
                    " message, event_time, created_at) VALUES (%s, %s, %s, 'task.created', %s,"
                    " 'bench', 'Your task “bench” was created.', %s, %s)",
                    (
                        str(notification_id),
                        owners[n % len(owners)],
                        str(event_id),
                        str(uuid.uuid4()),
                        now,
                        now,
                    ),
                )
                written[str(notification_id)] = (owners[n % len(owners)], time.time())
                connection.commit()
    finally:
        connection.close()


if __name__ == "__main__":
    main()
