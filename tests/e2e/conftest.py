"""A real headless browser for the console's tests: Debian's Chromium driven by Playwright (never
a downloaded browser build), one fresh context per person, screenshots as test artefacts."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from taskwire_testkit import Stack, Users, fresh_address, session_from

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Where the screenshots of each step go (git-ignored); docs/console.md says so.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
# Bounds on every browser step, so a stuck page fails the test instead of stalling CI; generous
# because the machine may be heavily loaded.
STEP_TIMEOUT_MS = 30_000
PASSWORD = "correct-horse-battery"
expect.set_options(timeout=STEP_TIMEOUT_MS)


class Person:
    """Someone with an account made through the public sign-up, and a browser of their own."""

    def __init__(self, username: str, page: Page, shots: Path) -> None:
        self.username = username
        self.password = PASSWORD
        self.page = page
        self._shots = shots
        self._step = 0

    def screenshot(self, name: str) -> None:
        self._step += 1
        self._shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=self._shots / f"{self._step:02d}-{name}.png", full_page=True)


def sign_up(stack: Stack, users: Users, prefix: str) -> str:
    username = f"{prefix}-{uuid.uuid4().hex[:10]}"
    http = session_from(fresh_address())  # the facade limits sign-ups per address
    response = http.post(
        f"{stack.gateway}/auth/signup",
        json={
            "username": username,
            "email": f"{username}@example.test",
            "password": PASSWORD,
            "first_name": "Console",
            "last_name": "Tester",
        },
        timeout=60,  # Keycloak's admin API is slow on a loaded machine
    )
    assert response.status_code == 201, response.text
    users.adopt(response.json()["id"])
    return username


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox"], timeout=STEP_TIMEOUT_MS
    )
    yield launched
    launched.close()


@pytest.fixture
def console(stack: Stack) -> str:
    """The console's address as people open it (the realm allows exactly this one)."""
    return f"http://localhost:{stack.gateway_port}/"


@pytest.fixture
def person(
    request: pytest.FixtureRequest, stack: Stack, users: Users, browser: Browser
) -> Iterator[Any]:
    """A factory of people, each in their own browser context (own storage, own cookies)."""
    contexts = []

    def make(prefix: str) -> Person:
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        shots = ARTIFACTS / request.node.name / prefix
        return Person(sign_up(stack, users, prefix), context.new_page(), shots)

    yield make
    for context in contexts:
        context.close()
