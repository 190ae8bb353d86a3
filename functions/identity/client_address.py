"""The address a sign-in attempt comes from, for limiting attempts per source.

A Python function never sees the TCP peer: the Functions front end in Azure, and the local host on a
developer's machine (aura_local/host.py), append the address that connected to them to
`X-Forwarded-For` (Azure with a port: `203.0.113.7:51234`). Everything to the left of that entry was
written by someone else and may be forged, unless it was appended by a proxy we run: with API
Management in front, `AURA_TRUSTED_PROXY_HOPS=1` takes the entry API Management appended instead.
IPv6 addresses count by their /64, the block one subscriber usually holds. A loopback peer is this
machine (`aura serve` on a developer's machine, its tests and tools), not a client on a network, so it
is no source to limit: every local request would share one budget.
"""

from __future__ import annotations

from ipaddress import IPv6Address, ip_address, ip_network

import azure.functions as func

from shared.settings import get_settings


def _parse(entry: str) -> str | None:
    """`1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678` as a normalized address."""
    entry = entry.strip().strip('"')
    if entry.startswith("["):
        entry = entry[1:].split("]", 1)[0]
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        address = ip_address(entry)
    except ValueError:
        return None
    if address.is_loopback:
        return None
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return None if address.ipv4_mapped.is_loopback else str(address.ipv4_mapped)
        return str(ip_network(f"{address}/64", strict=False))
    return str(address)


def client_address(request: func.HttpRequest) -> str | None:
    """The caller's address as the nearest trusted hop saw it; None when the request carries none."""
    entries = [e for e in (request.headers.get("X-Forwarded-For") or "").split(",") if e.strip()]
    hops = get_settings().trusted_proxy_hops
    if len(entries) <= hops:
        return None
    return _parse(entries[-1 - hops])
