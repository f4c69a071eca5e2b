"""The web console in a real browser: sign-in on Keycloak's page, the task life cycle with its
live notifications, an edit conflict, sign-out, and one person never seeing another's tasks."""

import time
from collections.abc import Callable
from urllib.parse import urlsplit
from uuid import uuid4

import requests
from playwright.sync_api import Locator, Page, expect

from taskwire_testkit import Stack

from .conftest import Person


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _watch(page: Page) -> tuple[list[str], list[str]]:
    """Every URL the page requests, and every script error or CSP violation it reports."""
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return requested, problems


def _log_in(who: Person, console: str) -> None:
    page = who.page
    page.goto(console)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Create task")).to_be_hidden()
    who.screenshot("signed-out")
    page.get_by_role("button", name="Log in").click()
    page.locator("#username").fill(who.username)
    page.locator("#password").fill(who.password)
    who.screenshot("keycloak-login-page")
    page.locator("#kc-login").click()
    expect(page.get_by_text(f"Signed in as {who.username}")).to_be_visible()
    assert page.url == console, "back at the console, the code and state gone from the address"
    # The feed is connected before anything happens that it should show.
    expect(page.locator("#feed-state")).to_have_attribute("data-state", "live")
    who.screenshot("signed-in")


def _task(page: Page, title: str) -> Locator:
    return page.locator("#task-list li", has=page.get_by_role("heading", name=title, exact=True))


def _status_with(stack: Stack, token: str) -> int:
    """GET /tasks with a token until it is refused, for at most about 10 s (the contract's
    bound for a logged-out session is 2 s)."""
    status = 0
    for _ in range(40):
        status = requests.get(
            f"{stack.gateway}/tasks", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).status_code
        if status == 401:
            break
        time.sleep(0.25)
    return status


def _feed_has(page: Page, kind: str, task_id: str) -> None:
    expect(page.locator(f'#feed li[data-type="{kind}"][data-task-id="{task_id}"]')).to_have_count(1)


def test_a_person_runs_a_task_through_its_life_in_the_console_and_logs_out(
    stack: Stack, console: str, person: Callable[[str], Person]
) -> None:
    ann = person("ann")
    page = ann.page
    requested, problems = _watch(page)
    _log_in(ann, console)

    title = f"Water the plants {uuid4().hex[:6]}"
    page.get_by_label("Title", exact=True).first.fill(title)
    page.get_by_label("Description").first.fill("The ferns first.")
    page.get_by_role("button", name="Create task").click()
    task = _task(page, title)
    expect(task).to_have_count(1)
    task_id = task.get_attribute("data-task-id")
    assert task_id
    ann.screenshot("created")
    # Live, without reloading the page: the stream brings the notification of the creation.
    _feed_has(page, "task.created", task_id)
    ann.screenshot("notified")

    renamed = f"{title} and the cactus"
    page.get_by_role("button", name=f"Edit “{title}”").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Title").fill(renamed)
    dialog.get_by_label("Status").select_option("in_progress")
    ann.screenshot("editing")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    task = _task(page, renamed)
    expect(task.locator(".facts")).to_contain_text("In progress")
    _feed_has(page, "task.updated", task_id)
    ann.screenshot("edited")

    page.get_by_role("button", name=f"Complete “{renamed}”").click()
    expect(task.locator(".facts")).to_contain_text("Done")
    expect(page.get_by_role("button", name=f"Complete “{renamed}”")).to_be_disabled()
    _feed_has(page, "task.completed", task_id)
    ann.screenshot("completed")

    page.once("dialog", lambda confirm: confirm.accept())
    page.get_by_role("button", name=f"Delete “{renamed}”").click()
    expect(_task(page, renamed)).to_have_count(0)
    expect(page.get_by_role("alert")).to_contain_text(f"Deleted “{renamed}”")
    _feed_has(page, "task.deleted", task_id)
    ann.screenshot("deleted")

    token = page.evaluate(
        "() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage)"
        ".find((key) => key.startsWith('oidc.user:')))).access_token"
    )
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_role("heading", name="Tasks")).to_be_hidden()
    expect(page.locator("#feed li")).to_have_count(0)
    assert page.url == console
    stored = "() => Object.keys(sessionStorage).filter((k) => k.startsWith('oidc.user:'))"
    assert page.evaluate(stored) == []
    ann.screenshot("logged-out")
    # Keycloak's end-session reached the APIs: the console's last token is refused.
    assert _status_with(stack, token) == 401

    assert problems == [], "script errors or CSP violations"
    allowed = {_origin(console), _origin(stack.issuer)}
    assert {_origin(url) for url in requested} <= allowed, sorted(set(requested))


def test_bad_input_and_an_edit_of_a_task_changed_elsewhere_are_refused_and_said_so(
    console: str, person: Callable[[str], Person]
) -> None:
    bob = person("bob")
    page = bob.page
    _log_in(bob, console)
    # A title of blanks passes the form but not the API: its 422 problem is shown by field.
    page.get_by_label("Title", exact=True).first.fill("   ")
    page.get_by_role("button", name="Create task").click()
    expect(page.locator("#message")).to_contain_text("HTTP 422")
    expect(page.locator("#message li").first).to_contain_text("title: ")
    bob.screenshot("invalid-title")
    title = f"Book the dentist {uuid4().hex[:6]}"
    page.get_by_label("Title", exact=True).first.fill(title)
    page.get_by_role("button", name="Create task").click()
    expect(_task(page, title)).to_have_count(1)
    page.get_by_role("button", name=f"Edit “{title}”").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Title")).to_have_value(title)

    # Meanwhile the same task changes in another tab (same session, same token).
    page.evaluate(
        """async (title) => {
            const key = Object.keys(sessionStorage).find((k) => k.startsWith('oidc.user:'));
            const token = JSON.parse(sessionStorage.getItem(key)).access_token;
            const auth = {Authorization: `Bearer ${token}`};
            const query = '/tasks?q=' + encodeURIComponent(title);
            const list = await (await fetch(query, {headers: auth})).json();
            const answer = await fetch(`/tasks/${list.items[0].id}`, {
                method: 'PATCH', headers: {...auth, 'Content-Type': 'application/json'},
                body: JSON.stringify({description: 'changed elsewhere'})});
            if (!answer.ok) throw new Error(`PATCH answered ${answer.status}`);
        }""",
        title,
    )
    dialog.get_by_label("Title").fill(f"{title} at 9")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("changed elsewhere after you opened it")
    expect(dialog.get_by_role("alert")).to_contain_text("412")
    bob.screenshot("conflict")
    dialog.get_by_role("button", name="Load the current version").click()
    expect(dialog.get_by_label("Description")).to_have_value("changed elsewhere")
    expect(dialog.get_by_label("Title")).to_have_value(title)
    dialog.get_by_role("button", name="Cancel").click()
    expect(_task(page, f"{title} at 9")).to_have_count(0)


def test_a_second_person_never_sees_the_first_persons_tasks(
    console: str, person: Callable[[str], Person]
) -> None:
    cleo, dan = person("cleo"), person("dan")
    _log_in(cleo, console)
    title = f"Cleo's private plan {uuid4().hex[:6]}"
    cleo.page.get_by_label("Title", exact=True).first.fill(title)
    cleo.page.get_by_role("button", name="Create task").click()
    expect(_task(cleo.page, title)).to_have_count(1)
    cleo_id = _task(cleo.page, title).get_attribute("data-task-id")
    _feed_has(cleo.page, "task.created", str(cleo_id))

    _log_in(dan, console)
    expect(dan.page.locator("#list-state")).to_have_text("No tasks match.")
    dan.page.get_by_label("Title contains").fill("Cleo")
    dan.page.get_by_role("button", name="Apply").click()
    expect(dan.page.locator("#list-state")).to_have_text("No tasks match.")
    expect(dan.page.locator("#feed li")).to_have_count(0)
    dan.screenshot("sees-nothing-of-cleo")
    # Cleo, still signed in, still has hers.
    cleo.page.reload()
    expect(_task(cleo.page, title)).to_have_count(1)
