"""Resolve a webhook target once and judge every address it resolves to (models.addresses).

Registration and every delivery call this, so a name that resolved to a public address when it
was registered and to a loopback one later (DNS rebinding) is refused at delivery; the sender then
connects to the address judged here, never resolving the name again.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from fengqiao.models.addresses import IPAddress, WebhookUrl, literal, parse_url, refused_address


@dataclass(frozen=True)
class Resolved:
    url: WebhookUrl
    ascii_host: str  # the name as it goes into TLS SNI and certificate checks (IDNA)
    address: IPAddress  # the one address the delivery connects to


@dataclass(frozen=True)
class Refusal:
    reason: str
    resolved: bool = True  # False: the name did not resolve (may pass); True: the target is not allowed


def resolve(url: str, *, allow_private: bool) -> Resolved | Refusal:
    import httpx  # here, not at import: only a delivery or a target's registration resolves an address

    parsed = parse_url(url)
    if isinstance(parsed, str):
        return Refusal(parsed)
    try:
        ascii_host = httpx.URL(url).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError) as exc:
        return Refusal(f"not a valid URL ({exc})")
    address = literal(parsed.host)
    addresses = [address] if address is not None else _addresses_of(ascii_host, parsed.port)
    if not addresses:
        return Refusal(f"host {parsed.host} does not resolve", resolved=False)
    for each in addresses:
        if why := refused_address(parsed.host, each, allow_private=allow_private):
            return Refusal(why)
    return Resolved(parsed, ascii_host, addresses[0])


def _addresses_of(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return []
    found: list[IPAddress] = []
    for info in infos:
        address = literal(str(info[4][0]).split("%")[0])  # an IPv6 scope (fe80::1%eth0) is not part of it
        if address is not None and address not in found:
            found.append(address)
    return found
