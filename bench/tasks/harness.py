"""Shared pieces of the task benchmarks: a bench user's token, servers under gunicorn, wrk."""

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from taskwire_testkit import Stack, Users
from taskwire_testkit.users import password_grant

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv/bin"


@dataclass(frozen=True)
class WrkResult:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def bench_user(stack: Stack) -> tuple[str, str]:
    """A fresh user (id, password) for one benchmark run."""
    user = Users(stack).create("bench")
    return user.username, user.password


def token(stack: Stack, username: str, password: str) -> str:
    return password_grant(stack, username, password)["access_token"]


@contextmanager
def gunicorn(args: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """A gunicorn server for the block; yields its master's pid."""
    process = subprocess.Popen(
        [str(VENV / "gunicorn"), *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts gunicorn slowly
        while time.monotonic() < deadline:
            try:
                requests.post(f"http://127.0.0.1:{port}/tasks", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"server on {port} did not start")
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def wrk(
    name: str,
    url: str,
    script: Path,
    token_value: str,
    seconds: int,
    connections: int,
    threads: int = 2,
) -> WrkResult:
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        env={**os.environ, "TOKEN": token_value},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        name=name,
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_millis(_find(r"50%\s+([\d.]+\w+)", output)),
        p99_ms=_millis(_find(r"99%\s+([\d.]+\w+)", output)),
        errors=int(non_2xx.group(1)) if non_2xx else 0,
    )


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and all its descendants have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending.extend(int(child) for child in children.read().split())
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise ValueError(f"wrk output has no {pattern!r}:\n{text}")
    return match.group(1)


def _millis(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", value)
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]


def table(results: list[WrkResult]) -> str:
    lines = ["| server | req/s | p50 ms | p99 ms | non-2xx |", "| --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(
            f"| {r.name} | {r.requests_per_second:,.0f} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {r.errors} |"
        )
    return "\n".join(lines)
