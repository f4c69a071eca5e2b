"""A reminder scheduler of the test's own, with a short window and scan interval, in place of the
stack's (whose 24 h window would remind every test task at once); the stack's comes back after."""

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests

from taskwire_testkit import Stack, supervisorctl

from .stack_control import http_ready, wait_for

ROOT = Path(__file__).resolve().parents[4]
PORT = 8017  # not the stack's REMINDERS_PORT: both may be up for a moment
WINDOW_SECONDS = 60
STACK_PORT = int(os.environ.get("REMINDERS_PORT", "8007"))
INSTANCE = "reminders-test"


class ShortWindowScheduler:
    """`taskwire-reminders` as a child of the test: started, SIGKILLed and restarted at will."""

    def __init__(self, log: Path) -> None:
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, batch_size: int = 500, ready: bool = True) -> None:
        """Start it and wait until it is ready (a scan went through), or, with `ready=False`,
        only until it answers (its first scan may be held up on purpose)."""
        assert self.process is None
        env = {
            **os.environ,
            "REMINDER_WINDOW": f"{WINDOW_SECONDS}s",
            "REMINDER_SCAN_INTERVAL": "1s",
            "REMINDER_BATCH_SIZE": str(batch_size),
            "REMINDERS_PORT": str(PORT),
            "REMINDERS_INSTANCE": INSTANCE,
        }
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(ROOT / ".venv/bin/taskwire-reminders")],
                cwd=ROOT / "task-api",
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if ready:
            wait_for("the test's scheduler ready", lambda: http_ready(PORT), 60, every=0.2)
        else:
            wait_for("the test's scheduler answering", _answers, 60, every=0.2)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None

    def scans(self) -> int:
        """Scans completed so far (its /readyz)."""
        try:
            body: dict[str, Any] = requests.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).json()
        except requests.RequestException:
            return 0
        return int(body.get("scans", 0))

    def wait_for_scans(self, count: int) -> None:
        """Until `count` more scans have completed: what was owed before is sent by then."""
        target = self.scans() + count
        wait_for(f"{count} more scans", lambda: self.scans() >= target, 120, every=0.2)


def _answers() -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShortWindowScheduler]:
    supervisorctl("stop", "reminders")
    test_scheduler = ShortWindowScheduler(tmp_path_factory.mktemp("reminders") / "scheduler.log")
    test_scheduler.start()
    try:
        yield test_scheduler
    finally:
        test_scheduler.stop()
        supervisorctl("start", "reminders")
        wait_for("the stack's scheduler ready", lambda: http_ready(STACK_PORT), 120, every=0.5)


class TaskDatabase:
    """The tasks database as the scheduler's own role sees it: its sessions in
    pg_stat_activity, the reminder records, and the right to lock the outbox (DELETE)."""

    def __init__(self, stack: Stack) -> None:
        password = os.environ.get("TASK_REMINDERS_DB_PASSWORD", "task-reminders-dev-only-password")
        self.dsn = stack.dsn("task_reminders", password, "tasks")

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        connection = psycopg2.connect(self.dsn)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()
        finally:
            connection.close()


@pytest.fixture
def tasks_db(stack: Stack) -> TaskDatabase:
    return TaskDatabase(stack)
