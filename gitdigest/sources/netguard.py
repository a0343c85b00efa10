"""What a server may digest on behalf of someone else (the web page, the MCP server).

A person at their own terminal may digest anything they can reach. A page on a team server, or
a model choosing its own tool arguments, must not be able to make this machine read its own
files or reach services behind its firewall (cloud metadata endpoints, an internal admin
page): a :class:`NetworkPolicy` refuses those sources before any work, and pins git to the
addresses it checked, so a host that answers DNS differently on the second lookup (DNS
rebinding) cannot pass.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import UsageError

#: the schemes a policy lets through: git's smart HTTP, where the connection can be pinned
#: (ssh and git:// resolve the host inside a program we do not control)
SCHEMES = ("https", "http")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class SourceRefused(UsageError):
    """The policy does not allow this source (exit 2)."""


def _resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise SourceRefused(f"cannot resolve {host}: {error}") from None
    return sorted({str(info[4][0]) for info in found})


def is_public(address: Address) -> bool:
    """Whether ``address`` is on the public internet: not loopback, private, link-local (cloud
    metadata lives at 169.254.169.254), shared, reserved, multicast or unspecified. An IPv6
    address that carries an IPv4 address (mapped, compatible, 6to4, NAT64, Teredo) is judged
    by the IPv4 address too: a host that routes it reaches that address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = embedded_ipv4(address)
        if any(not is_public(inner) for inner in embedded):
            return False
        if address.sixtofour is not None:  # 3.13 calls all of 2002::/16 not global, 3.12 did
            return not address.is_multicast  # not: judged by the IPv4 it routes to, as above
    return address.is_global and not address.is_multicast


#: NAT64 prefixes: the well-known one and the local-use one (RFC 6052, RFC 8215)
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
#: IPv4-compatible addresses (::a.b.c.d, deprecated, still routed by some stacks)
_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address embeds (none for a plain IPv6 address)."""
    found: list[ipaddress.IPv4Address] = []
    low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address in _COMPATIBLE and int(address) > 1:  # not :: and ::1 (judged as IPv6)
        found.append(low)
    if any(address in network for network in _NAT64):
        found.append(low)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


@dataclass(frozen=True)
class NetworkPolicy:
    """Which sources a server may digest.

    ``allow_hosts`` are host names (or literal addresses) allowed even when they resolve to a
    private or loopback address (a team's own git server); ``allow_private`` turns the address
    check off entirely. ``local_roots`` are the folders local sources may come from (symlinks
    resolved); ``None`` refuses every local source.
    """

    allow_hosts: frozenset[str] = frozenset()
    allow_private: bool = False
    local_roots: tuple[Path, ...] | None = None
    resolver: Resolver = field(default=_resolve, compare=False, repr=False)

    def check_local(self, path: Path) -> Path:
        """``path`` resolved, when it lies inside an allowed root; else :class:`SourceRefused`."""
        if self.local_roots is None:
            raise SourceRefused("local folders are not allowed here; give a repository URL")
        resolved = path.resolve()
        for root in self.local_roots:
            if resolved.is_relative_to(root.resolve()):
                return resolved
        raise SourceRefused(f"{path} is outside the allowed folders")

    def pin(self, scheme: str, host: str) -> list[tuple[str, str]]:
        """Check a remote and return the git configuration that pins the connection to the
        addresses checked (``http.curloptResolve``) and keeps it from following redirects
        elsewhere; raise :class:`SourceRefused` for a scheme or address not allowed."""
        if scheme not in SCHEMES:
            raise SourceRefused(f"{scheme}:// sources are not allowed here; use https")
        name, port = split_host(host, 443 if scheme == "https" else 80)
        config = [("http.followRedirects", "false")]
        if name.lower() in self.allow_hosts or host.lower() in self.allow_hosts:
            return config
        literal = _literal(name)
        if literal is not None:
            # an address is connected to as written (no lookup to pin; curl's resolve list
            # cannot even spell an IPv6 host): it is checked as it is
            if not self.allow_private and not is_public(literal):
                raise SourceRefused(f"{name} is a private or local address; allow the host "
                                    "explicitly to digest it")
            return config
        addresses = self.resolver(name, port)
        if not addresses:
            raise SourceRefused(f"cannot resolve {name}")
        if not self.allow_private:
            for text in addresses:
                if not is_public(ipaddress.ip_address(text.split("%")[0])):
                    raise SourceRefused(
                        f"{name} resolves to {text}, a private or local address; "
                        "allow the host explicitly to digest it")
        shown = ",".join(f"[{a}]" if ":" in a else a for a in addresses)
        return [*config, ("http.curloptResolve", f"{name}:{port}:{shown}")]


def _literal(name: str) -> Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def split_host(host: str, default_port: int) -> tuple[str, int]:
    """``host[:port]`` (brackets around IPv6 literals allowed) as a name and a port."""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest.removeprefix(":")
    elif host.count(":") == 1:
        name, _, port = host.partition(":")
    else:
        name, port = host, ""
    return name, int(port) if port.isdigit() else default_port
