"""The gateway's limits, met before any service's: an oversize body never reaches (or poisons) a
kept-alive upstream connection, and every refusal of an oversize request line, header or body
is a problem document, never an HTML page (contract section 5)."""

import os
import socket
import threading
import time

import pytest
import requests

from taskwire_testkit import Stack
from taskwire_testkit.users import password_grant

PROBLEM = "application/problem+json"
FACADE_PORT = int(os.environ.get("USER_FACADE_PORT", "8002"))


def _assert_problem(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)


# --- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/auth/login", "/auth/signup", "/auth/refresh", "/auth/logout"])
@pytest.mark.parametrize("size", [64 * 1024 + 1, 500_000, 1024 * 1024 - 100])
def test_a_body_over_64_kib_to_auth_is_a_413_problem_at_the_gateway(
    stack: Stack, path: str, size: int
) -> None:
    body = b'{"refresh_token":"x","p":"' + b"a" * (size - 28) + b'"}'
    assert len(body) == size
    response = requests.post(
        stack.gateway + path, data=body, headers={"Content-Type": "application/json"}, timeout=10
    )
    _assert_problem(response, 413)
    assert "64 KiB" in response.json()["detail"]


def test_oversize_bodies_never_break_other_callers_requests(stack: Stack) -> None:
    """Finding: bodies between 64 KiB and 1 MiB used to leave the gateway's kept-alive
    connection to the facade broken, and innocent requests on it got a 502."""
    token = password_grant(stack, "taskadmin", "taskadmin-password")["access_token"]
    body = b'{"refresh_token":"x","p":"' + b"a" * 500_000 + b'"}'
    seconds, stop = 8.0, threading.Event()
    normal: list[int] = []
    oversize: list[int] = []
    lock = threading.Lock()

    def send_oversize() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    status = session.post(
                        f"{stack.gateway}/auth/logout",
                        data=body,
                        headers={"Content-Type": "application/json"},
                        timeout=10,
                    ).status_code
                except requests.RequestException:
                    status = -1
                with lock:
                    oversize.append(status)

    def ask_me() -> None:
        with requests.Session() as session:
            headers = {"Authorization": f"Bearer {token}"}
            while not stop.is_set():
                try:
                    status = session.get(
                        f"{stack.gateway}/auth/me", headers=headers, timeout=10
                    ).status_code
                except requests.RequestException:
                    status = -1
                with lock:
                    normal.append(status)

    threads = [threading.Thread(target=send_oversize) for _ in range(3)]
    threads += [threading.Thread(target=ask_me) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    failed = [status for status in normal if status != 200]
    print(
        f"\n{len(oversize)} oversize bodies (statuses {sorted(set(oversize))}), "
        f"{len(normal)} GET /auth/me, {len(failed)} of them failed: {sorted(set(failed))}"
    )
    assert len(normal) >= 50, "too few normal requests to say anything"
    assert len(oversize) >= 10
    assert set(oversize) == {413}
    assert failed == []


def _raw(port: int, request: bytes, body: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += connection.recv(65536)
        head, _, rest = answer.partition(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":", 1)[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
        )
        while len(rest) < length:
            rest += connection.recv(65536)
        # The same connection must still serve the next request.
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        second = connection.recv(65536)
        return head + b"\r\n\r\n" + rest + b"\n--\n" + second


def test_the_facade_refusing_an_oversize_body_keeps_its_connection_usable() -> None:
    """Behind the gateway too: a direct caller's 413 leaves the kept-alive connection in step
    (gunicorn alone drains 64 KiB, then closes a connection it announced as kept alive)."""
    body = b'{"refresh_token":"x","p":"' + b"a" * 500_000 + b'"}'
    request = (
        b"POST /auth/logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    answer = _raw(FACADE_PORT, request, body)
    first, _, second = answer.partition(b"\n--\n")
    assert first.startswith(b"HTTP/1.1 413"), first[:200]
    assert second.startswith(b"HTTP/1.1 200"), second[:200]


# --- request line and headers -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/tasks", "/auth/me", "/notifications"])
def test_a_request_line_over_4_kib_is_a_414_problem(stack: Stack, path: str) -> None:
    response = requests.get(f"{stack.gateway}{path}?q={'a' * 5000}", timeout=10)
    _assert_problem(response, 414)


@pytest.mark.parametrize("path", ["/tasks", "/auth/me", "/notifications"])
def test_a_header_over_4_kib_is_a_431_problem(stack: Stack, path: str) -> None:
    for size in (5_000, 9_000):
        response = requests.get(f"{stack.gateway}{path}", headers={"X-Big": "a" * size}, timeout=10)
        _assert_problem(response, 431)


@pytest.mark.parametrize("path", ["/tasks", "/auth/me", "/notifications"])
def test_more_than_100_headers_are_no_html_page(stack: Stack, path: str) -> None:
    # gunicorn's own limit (100) used to answer these with an HTML 431.
    for count in (101, 500):
        headers = {f"X-H{i}": "1" for i in range(count)}
        response = requests.get(f"{stack.gateway}{path}", headers=headers, timeout=10)
        assert response.headers["Content-Type"].startswith(("application/problem+json",)), (
            response.status_code,
            response.text[:200],
        )


def test_headers_beyond_16_kib_in_all_are_a_431_problem(stack: Stack) -> None:
    headers = {f"X-H{i}": "a" * 3000 for i in range(8)}
    response = requests.get(f"{stack.gateway}/tasks", headers=headers, timeout=10)
    _assert_problem(response, 431)
