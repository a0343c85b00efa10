"""Which ``Host`` and ``Origin`` a server of ours answers to: the DNS-rebinding and cross-site
guard shared by ``gitdigest serve`` and ``gitdigest mcp --transport http``.

A server on 127.0.0.1 is reachable from every web page its user visits: a page can post to it
(a ``text/plain`` body needs no CORS preflight) and a host name the attacker controls can be
re-pointed at 127.0.0.1 (DNS rebinding). So a request counts only when its ``Host`` names this
server (loopback names, or a name the operator declared) and, when a browser says where the
request comes from (``Origin``, ``Sec-Fetch-Site``), that is this server's own page.
Pure functions of header values; the servers apply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

#: the names every server of ours answers to, in ``Host`` header spelling (IPv6 in brackets)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
#: bind addresses that mean "every interface": they name no host of their own
WILDCARDS = ("", "0.0.0.0", "::", "[::]")
#: ``Sec-Fetch-Site`` values a browser sends for this server's own page (or a typed address)
OWN_FETCH = ("same-origin", "none")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_name(value: str) -> str:
    """The name part of a ``Host`` value or a bare name, lower-case; IPv6 keeps its brackets
    (``[::1]:8000`` → ``[::1]``, ``::1`` → ``[::1]``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value.partition("]")[0] + "]"
    if value.count(":") > 1:  # a bare IPv6 address
        return f"[{value}]"
    return value.partition(":")[0]


def _port_of(value: str, scheme: str) -> int | None:
    """The port of a ``Host``/netloc value (the scheme's default when none is written)."""
    rest = value.rpartition("]")[2] if value.startswith("[") else value
    _, colon, port = rest.partition(":")
    if not colon:
        return _DEFAULT_PORTS.get(scheme)
    return int(port) if port.isdigit() else None


def served_names(bind: str, public_hosts: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The host names a server bound to ``bind`` answers to: the loopback names, the bind
    address itself when it names one interface, and the operator's public names."""
    names = list(LOOPBACK_NAMES)
    extra = ([] if bind.strip().lower() in WILDCARDS else [bind]) + list(public_hosts)
    for name in (host_name(value) for value in extra):
        if name and name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class HostCheck:
    """The names one server answers to and the checks a request must pass. Each check returns
    the reason for a refusal, or ``None`` when the request may go on."""

    #: host names this server answers to (``Host`` header spelling, no port)
    names: tuple[str, ...] = LOOPBACK_NAMES
    #: names the operator declared (``--public-host``): a page there may post even when a
    #: reverse proxy hands us a different ``Host``
    public: tuple[str, ...] = ()
    #: the option that adds a name, for the refusal's advice
    option: str = "--public-host"

    def host_refusal(self, host: str | None) -> str | None:
        """Why a request with this ``Host`` header is refused (DNS rebinding), if it is."""
        if not host:
            return "a request without a Host header is refused"
        if host_name(host) in self.names:
            return None
        return (f"this server answers only to {', '.join(self.names)}, not to "
                f"{host_name(host)!r}; its operator can add a name with {self.option}")

    def origin_refusal(self, origin: str | None, host: str | None, scheme: str = "http"
                       ) -> str | None:
        """Why a request sent from the page at ``origin`` is refused, if it is: the page must
        be this server's own (``scheme``://``host``), or on one of the operator's public
        names. No ``Origin`` at all is a client that is not a browser (curl): allowed."""
        if origin is None:
            return None
        parts = urlsplit(origin.strip().lower())
        if parts.scheme in _DEFAULT_PORTS and parts.netloc:
            name = host_name(parts.netloc)
            same = (host is not None and parts.scheme == scheme and name == host_name(host)
                    and _port_of(parts.netloc, scheme) == _port_of(host.lower(), scheme))
            if name in self.names and (same or name in self.public):
                return None
        return (f"requests from the page {origin} are refused: only this server's own page may "
                "send them")

    def fetch_refusal(self, sec_fetch_site: str | None) -> str | None:
        """Why a request a browser marks as sent by another site's page is refused, if it is
        (``Sec-Fetch-Site``; absent for clients that are not browsers)."""
        if sec_fetch_site is None or sec_fetch_site.strip().lower() in OWN_FETCH:
            return None
        return (f"a request started by another site's page ({sec_fetch_site}) is refused: "
                "only this server's own page may start a digest")

    def origins(self, port: int) -> list[str]:
        """The origins of this server's own page, for servers that list them
        (``http://127.0.0.1:8000``; public names over http and https, any port)."""
        own = [f"http://{name}:{port}" for name in self.names if name not in self.public]
        return own + [f"{scheme}://{name}{suffix}" for name in self.public
                      for scheme in ("http", "https") for suffix in ("", ":*")]
