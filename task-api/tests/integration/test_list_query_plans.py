"""Every list query of the contract is an owner-scoped index range read: no sort, no other
owners' rows, at 100k+ rows."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.dialects import postgresql

from task_api.db.tasks import page_query
from task_api.domain.listing import Sort, TaskFilter
from task_api.domain.tasks import Status
from taskwire_sql import Position
from taskwire_testkit import Stack

OWNERS = 20
ROWS_PER_OWNER = 6_000  # 120,000 rows in all


@pytest.fixture(scope="module")
def engine(stack: Stack) -> Iterator[Engine]:
    url = "postgresql+psycopg2://tasks_owner:tasks-owner-dev-only-password@{}:{}/tasks"
    engine = create_engine(url.format(stack.host, stack.pg_port))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def owners(engine: Engine) -> Iterator[list[uuid.UUID]]:
    owners = [uuid.uuid4() for _ in range(OWNERS)]
    with engine.begin() as connection:
        connection.execute(
            text(
                """
                INSERT INTO tasks (owner_id, id, title, status, due_date, completed_at,
                                   created_at, updated_at)
                SELECT o.owner, gen_random_uuid(), 'task ' || n,
                       (ARRAY['todo', 'in_progress', 'done'])[n % 3 + 1],
                       CASE WHEN n % 4 = 0 THEN NULL
                            ELSE now() + make_interval(hours => n % 500) END,
                       CASE WHEN n % 3 = 2 THEN now() END,
                       now() - make_interval(secs => n), now()
                FROM unnest(CAST(:owners AS uuid[])) AS o(owner),
                     generate_series(1, :rows) AS n
                """
            ),
            {"owners": [str(o) for o in owners], "rows": ROWS_PER_OWNER},
        )
        connection.execute(text("ANALYZE tasks"))
    yield owners
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM tasks WHERE owner_id = ANY(CAST(:owners AS uuid[]))"),
            {"owners": [str(o) for o in owners]},
        )


def _plan(engine: Engine, wanted: TaskFilter, after: Position | None = None) -> dict[str, Any]:
    sql = str(
        page_query(wanted, after).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    with engine.connect() as connection:
        [[plan]] = connection.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).all()
    top: dict[str, Any] = plan[0]["Plan"]
    return top


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _assert_index_range_read(plan: dict[str, Any], index: str) -> None:
    nodes = list(_nodes(plan))
    kinds = [n["Node Type"] for n in nodes]
    assert "Sort" not in kinds, kinds
    assert "Incremental Sort" not in kinds, kinds
    scans = [n for n in nodes if n["Node Type"] in {"Index Scan", "Index Only Scan"}]
    assert [s["Index Name"] for s in scans] == [index], kinds
    assert "owner_id" in scans[0]["Index Cond"]  # the range is within one owner


AT = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"sort": Sort.CREATED_DESC}, "tasks_owner_created"),
        ({"sort": Sort.CREATED}, "tasks_owner_created"),
        ({"sort": Sort.DUE}, "tasks_owner_due"),
        ({"sort": Sort.DUE_DESC}, "tasks_owner_due"),
        ({"statuses": (Status.TODO, Status.DONE)}, "tasks_owner_created"),
        ({"title_contains": "task 1"}, "tasks_owner_created"),
        ({"sort": Sort.DUE, "due_after": AT}, "tasks_owner_due"),
        ({"sort": Sort.DUE_DESC, "due_before": AT}, "tasks_owner_due"),
    ],
)
def test_each_list_query_reads_one_owner_index_range_without_sorting(
    engine: Engine, owners: list[uuid.UUID], filters: dict[str, Any], index: str
) -> None:
    wanted = TaskFilter(owner_id=owners[0], **filters)
    _assert_index_range_read(_plan(engine, wanted), index)
    _assert_index_range_read(_plan(engine, wanted, _halfway(engine, wanted)), index)


def _halfway(engine: Engine, wanted: TaskFilter) -> Position:
    """A cursor position half-way through the owner's tasks: a deep page."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT id, created_at, due_date FROM tasks WHERE owner_id = :owner"
                " AND title = :title"
            ),
            {"owner": wanted.owner_id, "title": f"task {ROWS_PER_OWNER // 2}"},
        ).one()
    return Position(row.due_date if wanted.sort.by_due_date else row.created_at, row.id)


def test_the_admin_listing_across_owners_reads_the_creation_index(
    engine: Engine, owners: list[uuid.UUID]
) -> None:
    plan = _plan(engine, TaskFilter(owner_id=None))
    kinds = [n["Node Type"] for n in _nodes(plan)]
    assert "Sort" not in kinds
    assert any(n.get("Index Name") == "tasks_created" for n in _nodes(plan))
