"""The caller's address: X-Forwarded-For counts only when the gateway (a trusted peer) sent it."""

import pytest

from user_facade.api.addresses import client_address, networks

GATEWAY = networks("127.0.0.1, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # the gateway says who called
        ("10.1.2.3", "203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", None, "127.0.0.1"),
        # A client's own X-Forwarded-For is kept on the left by the gateway: never believed.
        ("127.0.0.1", "198.51.100.9, 203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "198.51.100.9,203.0.113.7 ", "203.0.113.7"),
        # Not from the gateway: the header is the caller's invention.
        ("203.0.113.7", "198.51.100.9", "203.0.113.7"),
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
        (None, None, "unknown"),
    ],
)
def test_the_client_address(peer: str | None, forwarded_for: str | None, expected: str) -> None:
    assert client_address(peer, forwarded_for, GATEWAY) == expected


def test_no_trusted_proxies_means_the_peer_always() -> None:
    assert client_address("127.0.0.1", "203.0.113.7", networks("")) == "127.0.0.1"
