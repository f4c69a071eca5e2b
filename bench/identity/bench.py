"""Login and sign-up throughput through the facade versus straight at Keycloak, side by side.

    uv run --frozen --all-packages python bench/identity/bench.py [--seconds 6] [--rounds 2]
        [--concurrency 8]

Needs the running native stack (`make up`). Each scenario runs `--rounds` times, interleaved
(facade, Keycloak, facade, Keycloak...), so that both sides see the same machine. Every request
opens a new connection from a fresh 127.x.y.z address: the facade's per-address rate limits
then see many clients, as in production, and neither side gets keep-alive the other lacks.

  login   facade:   POST gateway /auth/login              (nginx -> user-facade -> Keycloak)
          keycloak: POST /realms/taskwire/.../token       (password grant, client user-facade-login)
  signup  facade:   POST gateway /auth/signup             (nginx -> user-facade -> admin API)
          keycloak: POST /admin/realms/taskwire/users     (the facade's service account token)

Besides req/s and latency it reports the CPU each component spent per request (from /proc, for
the supervised process trees of the native stack): on a shared 2-core box that is the steadier
measure of what the facade adds, since other work on the machine moves req/s between runs.

Users made here are deleted at the end. Short runs only: the machine is shared.
"""

import argparse
import itertools
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from taskwire_testkit import Stack, Users

PASSWORD = "bench-Pa55word-long"
STACK_SH = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "stack", "stack.sh")
COMPONENTS = ("user-facade", "gateway", "keycloak")
Request = Callable[[requests.Session], requests.Response]


_ADDRESSES = itertools.count(int(time.time()) % 1_000_000)


class FreshSource(HTTPAdapter):
    """A new connection per request, from the next address of 127.100.0.0-127.249.255.255."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        n = next(_ADDRESSES)  # atomic under the GIL
        address = f"127.{100 + (n >> 16) % 150}.{(n >> 8) & 255}.{n & 255}"
        kwargs["source_address"] = (address, 0)
        super().init_poolmanager(*args, **kwargs)


def _session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", FreshSource())
    return session


def _tree(pid: int) -> list[int]:
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [pid] + [p for child in children for p in _tree(int(child))]


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by each component's supervised process tree (empty if unknown)."""
    used: dict[str, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for name in COMPONENTS:
        answer = subprocess.run(
            [STACK_SH, "sv", "pid", name], capture_output=True, text=True, check=False
        )
        if not answer.stdout.strip().isdigit():
            continue
        total = 0.0
        for pid in _tree(int(answer.stdout)):
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        used[name] = total
    return used


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def cpu_ms_per_request(self, name: str) -> float:
        done = len(self.latencies) + sum(self.errors.values())
        return self.cpu.get(name, float("nan")) / done * 1000 if done else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(request: Request, expected: int, seconds: float, concurrency: int, tally: Tally) -> None:
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def worker() -> None:
        while time.monotonic() < deadline:
            session = _session()  # a fresh address and connection per request
            started = time.perf_counter()
            try:
                status = request(session).status_code
            except requests.RequestException:
                status = 0
            finally:
                session.close()
            elapsed = time.perf_counter() - started
            with lock:
                if status == expected:
                    tally.latencies.append(elapsed)
                else:
                    tally.errors[status] = tally.errors.get(status, 0) + 1

    before = cpu_seconds()
    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.seconds += time.monotonic() - began
    for name, used in cpu_seconds().items():
        if name in before:
            tally.cpu[name] = tally.cpu.get(name, 0.0) + used - before[name]


def service_token(stack: Stack) -> str:
    response = requests.post(
        f"{stack.realm}/protocol/openid-connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "user-facade",
            "client_secret": stack.facade_secret,
        },
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="per round and side")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    stack = Stack()
    token_url = f"{stack.realm}/protocol/openid-connect/token"
    admin_url = stack.realm.replace("/realms/", "/admin/realms/")
    users = Users(stack)
    pool = [users.create("bench") for _ in range(16)]
    created: list[str] = []
    created_lock = threading.Lock()
    bearer = {"Authorization": f"Bearer {service_token(stack)}"}  # lives 5 min: runs are short

    turns = itertools.count()

    def pick() -> tuple[str, str]:
        user = pool[next(turns) % len(pool)]
        return user.username, user.password

    def facade_login(s: requests.Session) -> requests.Response:
        username, password = pick()
        return s.post(
            f"{stack.gateway}/auth/login",
            json={"username": username, "password": password},
            timeout=30,
        )

    def keycloak_login(s: requests.Session) -> requests.Response:
        username, password = pick()
        return s.post(
            token_url,
            data={
                "grant_type": "password",
                "client_id": "user-facade-login",  # the facade's confidential client
                "client_secret": stack.facade_secret,
                "username": username,
                "password": password,
                "scope": "profile email",  # what the facade asks for
            },
            timeout=30,
        )

    def new_user() -> dict[str, str]:
        name = f"bench-{uuid.uuid4().hex[:12]}"
        return {"username": name, "email": f"{name}@example.test"}

    def facade_signup(s: requests.Session) -> requests.Response:
        response = s.post(
            f"{stack.gateway}/auth/signup", json={**new_user(), "password": PASSWORD}, timeout=30
        )
        if response.status_code == 201:
            with created_lock:
                created.append(response.json()["id"])
        return response

    def keycloak_signup(s: requests.Session) -> requests.Response:
        body = {
            **new_user(),
            "enabled": True,
            "emailVerified": False,
            "requiredActions": [],
            "credentials": [{"type": "password", "value": PASSWORD, "temporary": False}],
        }
        response = s.post(f"{admin_url}/users", json=body, headers=bearer, timeout=30)
        if response.status_code == 201:
            with created_lock:
                created.append(response.headers["Location"].rsplit("/", 1)[-1])
        return response

    scenarios = {
        "login": ((facade_login, 200), (keycloak_login, 200)),
        "signup": ((facade_signup, 201), (keycloak_signup, 201)),
    }
    results: dict[tuple[str, str], Tally] = {}
    try:
        for name, ((facade, f_ok), (keycloak, k_ok)) in scenarios.items():
            for side in ("facade", "keycloak"):
                results[(name, side)] = Tally()
            for _ in range(args.rounds):
                run(facade, f_ok, args.seconds, args.concurrency, results[(name, "facade")])
                run(keycloak, k_ok, args.seconds, args.concurrency, results[(name, "keycloak")])
    finally:
        for user_id in created + [u.id for u in pool]:
            requests.delete(f"{admin_url}/users/{user_id}", headers=bearer, timeout=10)

    print(
        f"concurrency {args.concurrency}, {args.rounds} x {args.seconds:g} s per side, "
        "new connection per request"
    )
    print(
        f"{'scenario':<8} {'side':<9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>7}"
        "   CPU ms per request: facade gateway keycloak"
    )
    for (name, side), tally in results.items():
        cpu = " ".join(f"{tally.cpu_ms_per_request(c):7.1f}" for c in COMPONENTS)
        print(
            f"{name:<8} {side:<9} {tally.rate:7.1f} {tally.percentile(0.5):7.0f}"
            f" {tally.percentile(0.95):7.0f} {sum(tally.errors.values()):7d}   {' ' * 19}{cpu}"
            + (f"  {tally.errors}" if tally.errors else "")
        )
    for name in scenarios:
        facade, keycloak = results[(name, "facade")], results[(name, "keycloak")]
        if keycloak.rate:
            added = facade.cpu_ms_per_request("user-facade") + facade.cpu_ms_per_request("gateway")
            print(
                f"{name}: throughput facade / keycloak = {facade.rate / keycloak.rate:.2f};"
                f" CPU the facade path adds = {added:.1f} ms per request,"
                f" {added / keycloak.cpu_ms_per_request('keycloak'):.0%} of Keycloak's own"
            )


if __name__ == "__main__":
    main()
