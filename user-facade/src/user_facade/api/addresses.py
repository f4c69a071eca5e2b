"""The caller's address: from the gateway's X-Forwarded-For, and only when the gateway sent it."""

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(spec: str) -> tuple[Network, ...]:
    """`"127.0.0.1, 10.0.0.0/8"`: the addresses of the proxies whose headers we believe."""
    return tuple(ipaddress.ip_network(part.strip()) for part in spec.split(",") if part.strip())


def client_address(peer: str | None, forwarded_for: str | None, trusted: Iterable[Network]) -> str:
    """The peer itself, unless the peer is a trusted proxy: then the right-most entry of
    X-Forwarded-For, the one the gateway appended. Entries further left come from the client
    and could say anything, so they are never used."""
    peer = peer or "unknown"
    if not forwarded_for or not _within(peer, trusted):
        return peer
    last = forwarded_for.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return peer


def _within(address: str, trusted: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
