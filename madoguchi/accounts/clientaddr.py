"""The one trusted client address, used by the staff lockout (django-axes), every throttle and the audit trail.

Rule (the same as nginx `real_ip_recursive on`): start from the TCP peer (`REMOTE_ADDR`). While that address is a
trusted proxy (`MADOGUCHI_TRUSTED_PROXIES`: addresses or networks such as `10.0.0.0/8`), step one hop to the left in
`X-Forwarded-For` (the entry that proxy appended). The first address that is not a trusted proxy is the client.
Entries further left were written by the client itself and are never believed: a forged `X-Forwarded-For` only
changes anything when it is sent by a trusted proxy, and even then only the rightmost untrusted entry counts.
Without trusted proxies configured, the header is ignored entirely.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_networks() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "MADOGUCHI_TRUSTED_PROXIES", []) or []))


def _parse(value: str) -> IPAddress | None:
    """One hop as a proxy writes it: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]:443`. None if it is not an address."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address as far as the configured trusted proxies vouch for it (None without a request)."""
    if request is None:
        return None
    cached = getattr(request, "_madoguchi_client_address", None)
    if cached is not None:
        return cached or None
    peer = _parse(request.META.get("REMOTE_ADDR", "") or "")
    result = _resolve(peer, request.META.get("HTTP_X_FORWARDED_FOR", "") or "")
    request._madoguchi_client_address = result or ""  # type: ignore[attr-defined]
    return result


def _resolve(peer: IPAddress | None, forwarded_for: str) -> str | None:
    if peer is None:
        return None
    networks = trusted_networks()
    current = peer
    if not networks or not _trusted(current, networks):
        return str(current)
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # A trusted proxy passed something that is not an address: the last trusted hop is all we know.
            return str(current)
        current = address
        if not _trusted(current, networks):
            return str(current)
    # Every hop is one of our proxies (an internal health check, say): the leftmost is the client.
    return str(current)


def axes_client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the staff lockout counts failures per username and this address."""
    return client_address(request)


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the typed username, unless it holds an individual number (then never stored)."""
    from madoguchi.lib.privacy import contains_individual_number

    username = (credentials or {}).get("username") or request.POST.get("username", "") or ""
    if contains_individual_number(username):
        return "(個人番号を含むため記録しません)"
    return str(username)[:150]
