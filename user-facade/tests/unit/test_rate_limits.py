"""The SQLite rate limiter: a burst, then a steady trickle, shared by every thread and process."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from user_facade.adapters.rate_limits import Rate, SqliteRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_up_to_the_count_passes_then_the_next_waits(tmp_path: Path) -> None:
    clock = Clock()
    limiter = SqliteRateLimiter(str(tmp_path / "l.db"), "login", Rate(3, 60), clock)
    assert all(limiter.hit("a").allowed for _ in range(3))
    refused = limiter.hit("a")
    assert not refused.allowed
    assert refused.retry_after_seconds == pytest.approx(20)
    clock.now += 20
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed


def test_addresses_and_operations_have_separate_allowances(tmp_path: Path) -> None:
    path = str(tmp_path / "l.db")
    login = SqliteRateLimiter(path, "login", Rate(1, 60), Clock())
    signup = SqliteRateLimiter(path, "signup", Rate(1, 60), Clock())
    assert login.hit("a").allowed
    assert login.hit("b").allowed
    assert signup.hit("a").allowed
    assert not login.hit("a").allowed


def test_a_refused_request_does_not_use_up_more_allowance(tmp_path: Path) -> None:
    clock = Clock()
    limiter = SqliteRateLimiter(str(tmp_path / "l.db"), "login", Rate(1, 10), clock)
    assert limiter.hit("a").allowed
    for _ in range(50):
        assert not limiter.hit("a").allowed
    clock.now += 10
    assert limiter.hit("a").allowed


def test_threads_share_one_allowance(tmp_path: Path) -> None:
    limiter = SqliteRateLimiter(str(tmp_path / "l.db"), "login", Rate(50, 3600))
    allowed: list[bool] = []

    def hammer() -> None:
        for _ in range(25):
            allowed.append(limiter.hit("a").allowed)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 50


def test_worker_processes_share_one_allowance(tmp_path: Path) -> None:
    path = str(tmp_path / "l.db")
    other_worker = (
        "import sys\n"
        "from user_facade.adapters.rate_limits import Rate, SqliteRateLimiter\n"
        "limiter = SqliteRateLimiter(sys.argv[1], 'login', Rate(5, 3600))\n"
        "assert all(limiter.hit('a').allowed for _ in range(5))\n"
    )
    subprocess.run([sys.executable, "-c", other_worker, path], check=True, timeout=60)
    assert not SqliteRateLimiter(path, "login", Rate(5, 3600)).hit("a").allowed


def test_a_broken_store_lets_requests_through(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    limiter = SqliteRateLimiter(str(path), "login", Rate(1, 60))
    assert limiter.hit("a").allowed
    limiter._connection().execute("DROP TABLE rate_limits")
    assert limiter.hit("a").allowed


@pytest.mark.parametrize("spec", ["30", "0/60", "30/0", "a/b", "30/60/1"])
def test_a_malformed_rate_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="COUNT/SECONDS"):
        Rate.parse(spec)


def test_a_rate_is_count_per_seconds() -> None:
    assert Rate.parse(" 30 / 60 ") == Rate(30, 60.0)
