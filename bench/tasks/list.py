"""GET /tasks?limit=20 at the first page and 50,000 rows deep, with 1,000,000 tasks in the
table (100,000 of them the measured user's), at low concurrency.

    uv run --frozen --all-packages python bench/tasks/list.py [--seconds 20] [--keep]

Rows are seeded straight into PostgreSQL (as the tasks database's owner) and deleted afterwards
unless --keep is given. The requests go to the running stack's task-api.
"""

import argparse
import os
import uuid
from pathlib import Path

import psycopg2
import requests
from harness import WrkResult, table, token, wrk

from taskwire_testkit import Stack, Users

HERE = Path(__file__).resolve().parent
MINE, OTHERS, OTHER_OWNERS = 100_000, 900_000, 90
SEED = """
INSERT INTO tasks (owner_id, id, title, status, due_date, completed_at, created_at, updated_at)
SELECT owner, gen_random_uuid(), 'bench task ' || n,
       (ARRAY['todo', 'in_progress', 'done'])[n %% 3 + 1],
       CASE WHEN n %% 4 = 0 THEN NULL ELSE now() + make_interval(hours => n %% 5000) END,
       CASE WHEN n %% 3 = 2 THEN now() END,
       now() - make_interval(secs => n), now()
FROM unnest(%(owners)s::uuid[]) AS owner, generate_series(1, %(rows)s) AS n
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    stack = Stack()
    user = Users(stack).create("bench-list")
    others = [str(uuid.uuid4()) for _ in range(OTHER_OWNERS)]
    db = psycopg2.connect(
        stack.dsn(
            "tasks_owner",
            os.environ.get("TASKS_OWNER_DB_PASSWORD", "tasks-owner-dev-only-password"),
            "tasks",
        )
    )
    try:
        with db, db.cursor() as cursor:
            cursor.execute(SEED, {"owners": [user.id], "rows": MINE})
            cursor.execute(SEED, {"owners": others, "rows": OTHERS // OTHER_OWNERS})
        db.autocommit = True
        with db.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tasks")
            cursor.execute("SELECT count(*) FROM tasks")
            (count,) = cursor.fetchone() or (0,)
            print(f"tasks in the table: {count:,}")
        base = f"http://127.0.0.1:{os.environ.get('TASK_API_PORT', '8001')}/tasks"
        deep = _cursor_after(base, token(stack, user.username, user.password), 50_000)
        results: list[WrkResult] = []
        for _ in range(2):
            for name, url in [
                ("first page", f"{base}?limit=20"),
                ("50,000 rows deep", f"{base}?limit=20&cursor={deep}"),
            ]:
                results.append(
                    wrk(
                        name,
                        url,
                        HERE / "get_with_token.lua",
                        token(stack, user.username, user.password),
                        args.seconds,
                        connections=2,
                        threads=1,
                    )
                )
        print(table(results))
    finally:
        if not args.keep:
            db.autocommit = False
            with db, db.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM tasks WHERE owner_id = ANY(%s::uuid[])", ([user.id, *others],)
                )
        db.close()


def _cursor_after(base: str, access_token: str, rows: int) -> str:
    """Walk the user's pages until `rows` tasks are behind; the cursor there."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {access_token}"
    cursor, seen = None, 0
    while seen < rows:
        page = session.get(base, params={"limit": 100, "cursor": cursor}, timeout=10).json()
        seen += len(page["items"])
        cursor = page["next_cursor"]
    assert cursor is not None
    return str(cursor)


if __name__ == "__main__":
    main()
