"""POST /tasks: task-api against the raw-psycopg2 baseline, side by side in one run.

    uv run --frozen --all-packages python bench/tasks/create.py [--workers 4] [--seconds 20]

Both servers run under gunicorn with the same number of sync workers, on the running stack's
PostgreSQL and Keycloak keys, loaded by wrk on the same machine (the two alternate, twice).
Besides req/s it reports the CPU each server's processes spent per request (from /proc): on a
shared 2-core machine, the steadier measure of what the layers cost.
"""

import argparse
from pathlib import Path

from harness import ROOT, WrkResult, bench_user, gunicorn, table, token, tree_cpu_seconds, wrk

from taskwire_testkit import Stack

HERE = Path(__file__).resolve().parent
API_PORT, BASELINE_PORT = 8012, 8011


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    stack = Stack()
    username, password = bench_user(stack)
    api = gunicorn(
        ["-c", str(ROOT / "task-api/gunicorn.conf.py")],
        API_PORT,
        {"TASK_API_PORT": str(API_PORT), "TASK_API_WORKERS": str(args.workers)},
    )
    baseline = gunicorn(
        [
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{BASELINE_PORT}",
            "--chdir",
            str(HERE),
            "baseline:create_app()",
        ],
        BASELINE_PORT,
    )
    results: list[WrkResult] = []
    cpu_per_request: dict[str, list[float]] = {}
    with api as api_pid, baseline as baseline_pid:
        pids = {"task-api": api_pid, "baseline (raw psycopg2)": baseline_pid}
        for name, port in [("warm-up task-api", API_PORT), ("warm-up baseline", BASELINE_PORT)]:
            wrk(
                name,
                f"http://127.0.0.1:{port}/tasks",
                HERE / "post_task.lua",
                token(stack, username, password),
                3,
                args.connections,
            )
        for _ in range(2):
            for name, port in [("baseline (raw psycopg2)", BASELINE_PORT), ("task-api", API_PORT)]:
                used = tree_cpu_seconds(pids[name])
                result = wrk(
                    name,
                    f"http://127.0.0.1:{port}/tasks",
                    HERE / "post_task.lua",
                    token(stack, username, password),
                    args.seconds,
                    args.connections,
                )
                served = result.requests_per_second * args.seconds
                used = tree_cpu_seconds(pids[name]) - used
                cpu_per_request.setdefault(name, []).append(used / served * 1e6)
                results.append(result)
    print(table(results))
    print()
    for name, values in cpu_per_request.items():
        print(f"{name}: server CPU per request {', '.join(f'{v:,.0f}' for v in values)} us")
    cpu_ratio = min(cpu_per_request["baseline (raw psycopg2)"]) / min(cpu_per_request["task-api"])
    print(f"server CPU ratio baseline / task-api (best of 2): {cpu_ratio:.2f}")
    best = {r.name: 0.0 for r in results}
    for r in results:
        best[r.name] = max(best[r.name], r.requests_per_second)
    ratio = best["task-api"] / best["baseline (raw psycopg2)"]
    print(f"\nthroughput ratio task-api / baseline (best of 2): {ratio:.2f}")


if __name__ == "__main__":
    main()
