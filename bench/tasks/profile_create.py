"""Where POST /tasks spends its time beyond the baseline: cProfile over N creates in-process.

    uv run --frozen --all-packages python bench/tasks/profile_create.py [--requests 2000]

Runs task-api's real app (real PostgreSQL, real token) through Flask's test client and prints
the functions with the most cumulative time, grouped by the layer they belong to.
"""

import argparse
import cProfile
import logging
import pstats
from collections import defaultdict

from harness import bench_user, token

from task_api.app import create_app
from taskwire_testkit import Stack

LAYERS = [
    ("flask_smorest", "flask-smorest"),
    ("webargs", "flask-smorest"),
    ("marshmallow", "marshmallow"),
    ("sqlalchemy", "SQLAlchemy"),
    ("psycopg2", "psycopg2"),
    ("jwt", "token check"),
    ("cryptography", "token check"),
    ("taskwire_auth", "token check"),
    ("taskwire_observability", "observability"),
    ("taskwire_web", "web kit"),
    ("statsd", "observability"),
    ("logging", "observability"),
    ("task_api", "task-api (own code)"),
    ("werkzeug", "werkzeug"),
    ("flask", "flask"),
    ("json", "json"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    stack = Stack()
    username, password = bench_user(stack)
    headers = {"Authorization": f"Bearer {token(stack, username, password)}"}
    client = create_app().test_client()
    logging.getLogger().setLevel(logging.WARNING)  # the access log is not what we measure
    body = {"title": "profiled task", "description": None}
    for _ in range(50):  # warm the pool, the JWKS cache and the code paths
        client.post("/tasks", json=body, headers=headers)

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        response = client.post("/tasks", json=body, headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
    profile.disable()

    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    own_time: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        own_time[_layer(filename)] += tottime
    print(
        f"{args.requests} creates in {total:.2f} s of profiled time "
        f"({total / args.requests * 1000:.2f} ms each)\n"
    )
    print("| layer | share of own time |\n| --- | --- |")
    for layer, seconds in sorted(own_time.items(), key=lambda item: -item[1]):
        print(f"| {layer} | {seconds / total:.0%} |")
    print()
    stats.sort_stats("cumulative").print_stats(25)


def _layer(filename: str) -> str:
    for fragment, layer in LAYERS:
        if f"/{fragment}/" in filename or filename.endswith(f"/{fragment}.py"):
            return layer
    return "other (stdlib, C calls)"


if __name__ == "__main__":
    main()
