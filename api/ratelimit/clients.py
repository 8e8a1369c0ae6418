"""Who a budget belongs to: the account behind a token, else the address the request
came from, as far as the trusted proxies in front of the server can vouch for it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.5:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Any, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(scope: Mapping[str, Any], trusted_proxies: tuple[str, ...]) -> str:
    """The socket's peer; when that peer is a trusted proxy, the rightmost address of
    X-Forwarded-For that is not a trusted proxy (the left part is whatever the client
    wrote, and anyone can write anything there)."""
    client = scope.get("client")
    peer = _address(client[0]) if client else None
    if peer is None:
        return "unknown"
    networks = parse_networks(trusted_proxies)
    if not _trusted(peer, networks):
        return str(peer)
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
    ]
    hops = [hop for value in forwarded for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage from here on: the last trusted hop is the client we know
        if not _trusted(address, networks):
            return str(address)
        peer = address
    return str(peer)


def ip_client(ip: str) -> str:
    """The budget key of an address: an IPv6 client owns at least a /64, so it is
    counted as one client however many addresses of it it uses."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"ip:{ip}"
    if isinstance(address, ipaddress.IPv6Address):
        return f"ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip:{address}"


def account_client(account_id: int) -> str:
    return f"account:{account_id}"
