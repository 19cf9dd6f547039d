"""Which addresses a webhook may reach: the one rule registration and every delivery apply.

A key must not make fengqiao send requests into its own network, so a target's host must resolve
only to public addresses. An IPv6 address that carries an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) reaches that IPv4 address, so it is judged by it: the
NAT64 form of 127.0.0.1 is loopback. An administrator may allow private targets for an internal
deployment (FENGQIAO_ALLOW_PRIVATE_WEBHOOKS). Pure: resolving is the caller's (channels.targets).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052's well-known prefix; the local-use 64:ff9b:1::/48 is not global
IPAddress = IPv4Address | IPv6Address


@dataclass(frozen=True)
class WebhookUrl:
    scheme: str  # http | https
    host: str  # a name (IDNA, lower case) or an address literal without brackets
    port: int


def parse_url(url: str) -> WebhookUrl | str:
    """The target's scheme, host and port, or why the URL cannot be a target."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "http://[::1" (unclosed bracket), a port out of range, a bad IPv6 literal
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    return WebhookUrl(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80))


def literal(host: str) -> IPAddress | None:
    """The address a host names literally (`127.0.0.1`, `::1`), or None for a name."""
    try:
        return ip_address(host)
    except ValueError:
        return None


def carried_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 address reaches: IPv4-mapped, NAT64 (well-known prefix) or 6to4."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def refused_address(host: str, address: IPAddress, *, allow_private: bool) -> str | None:
    """Why a connection to this address may not be made, or None."""
    if allow_private:
        return None
    inner = carried_ipv4(address)
    judged = inner or address
    if judged.is_global and not (judged.is_multicast or judged.is_reserved or judged.is_unspecified):
        return None
    carries = f" (which reaches {inner})" if inner else ""
    return f"{host} resolves to {address}{carries}, a loopback, private or reserved address"
