"""GET /tasks: filters, sort orders and keyset pages, through the gateway."""

from typing import Any

import pytest

from .conftest import Caller, assert_problem


def _titles(page: dict[str, Any]) -> list[str]:
    return [t["title"] for t in page["items"]]


def _walk(caller: Caller, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        response = caller.request("GET", "/tasks", params={**params, "cursor": cursor})
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("more than 100 pages")


@pytest.fixture
def planner(caller: Any) -> Caller:
    """A user with five tasks of mixed status and due dates, created in title order."""
    user: Caller = caller()
    user.create(title="a plan trip", due_date="2026-12-10T10:00:00+00:00")
    user.create(title="b BUY milk", status="in_progress", due_date="2026-12-01T10:00:00+00:00")
    user.create(title="c call mum", status="done")
    user.create(title="d buy bread", due_date="2026-12-05T10:00:00+00:00")
    user.create(title="e tidy up", status="in_progress")
    return user


def test_the_default_order_is_newest_first(planner: Caller) -> None:
    page = planner.request("GET", "/tasks").json()
    assert _titles(page) == ["e tidy up", "d buy bread", "c call mum", "b BUY milk", "a plan trip"]
    assert page["next_cursor"] is None


def test_oldest_first(planner: Caller) -> None:
    page = planner.request("GET", "/tasks", params={"sort": "created_at"}).json()
    assert _titles(page)[0] == "a plan trip"


def test_by_due_date_tasks_without_one_come_last_ascending_and_first_descending(
    planner: Caller,
) -> None:
    ascending = _titles(planner.request("GET", "/tasks", params={"sort": "due_date"}).json())
    assert ascending[:3] == ["b BUY milk", "d buy bread", "a plan trip"]
    assert set(ascending[3:]) == {"c call mum", "e tidy up"}
    descending = _titles(planner.request("GET", "/tasks", params={"sort": "-due_date"}).json())
    assert set(descending[:2]) == {"c call mum", "e tidy up"}
    assert descending[2:] == ["a plan trip", "d buy bread", "b BUY milk"]


def test_status_is_repeatable(planner: Caller) -> None:
    page = planner.request("GET", "/tasks", params=[("status", "done"), ("status", "todo")]).json()
    assert sorted(_titles(page)) == ["a plan trip", "c call mum", "d buy bread"]


def test_due_before_and_due_after_bound_the_due_date(planner: Caller) -> None:
    params = {"due_after": "2026-12-01T10:00:00Z", "due_before": "2026-12-10T10:00:00Z"}
    assert _titles(planner.request("GET", "/tasks", params=params).json()) == ["d buy bread"]
    after = planner.request("GET", "/tasks", params={"due_after": "2026-12-04T00:00:00Z"}).json()
    assert sorted(_titles(after)) == ["a plan trip", "d buy bread"]


def test_q_is_a_case_insensitive_substring_of_the_title(planner: Caller) -> None:
    page = planner.request("GET", "/tasks", params={"q": "buy"}).json()
    assert sorted(_titles(page)) == ["b BUY milk", "d buy bread"]
    assert planner.request("GET", "/tasks", params={"q": "%"}).json()["items"] == []


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "due_date", "-due_date"])
def test_walking_every_page_returns_each_task_exactly_once(caller: Any, sort: str) -> None:
    user: Caller = caller()
    made = set()
    for n in range(23):
        due = f"2026-12-{n % 5 + 1:02d}T10:00:00+00:00" if n % 3 else None
        made.add(user.create(title=f"task {n}", due_date=due)["id"])
    walked = _walk(user, {"limit": 4, "sort": sort})
    assert len(walked) == 23
    assert {t["id"] for t in walked} == made


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"sort": "title"},
        {"status": "archived"},
        {"due_before": "soon"},
        {"cursor": "not-a-cursor"},
        {"colour": "red"},
    ],
)
def test_a_bad_query_is_a_422_problem(planner: Caller, params: dict[str, Any]) -> None:
    assert_problem(planner.request("GET", "/tasks", params=params), 422)


def test_a_cursor_used_with_other_filters_is_a_422(planner: Caller) -> None:
    cursor = planner.request("GET", "/tasks", params={"limit": 2}).json()["next_cursor"]
    response = planner.request("GET", "/tasks", params={"limit": 2, "q": "buy", "cursor": cursor})
    assert_problem(response, 422)
