"""Which token, if any, goes to a remote host: tokens are bound to the hosts they belong to.

A token leaves this machine only for the host it was given for:

- ``--token`` (or a web request's token header) and the password in a URL go to the source
  named in that same command or request, never to another host (a submodule elsewhere gets
  none);
- ``GITHUB_TOKEN``/``GH_TOKEN`` go to ``github.com`` and ``GITLAB_TOKEN`` to ``gitlab.com``
  (and to ``CI_SERVER_HOST`` inside GitLab CI), over https only, on the default port (or
  ``CI_SERVER_PORT``), matched exactly, never by a part of the name
  (``gitlab.attacker.example`` gets nothing);
- ``GITDIGEST_TOKEN`` goes only to the hosts listed in ``GITDIGEST_TOKEN_HOSTS``.

A server (web page, MCP: anything that passes a network policy) digests what someone else
named, so it never uses the host variables, and ``GITDIGEST_TOKEN`` only where the operator
bound it with ``GITDIGEST_TOKEN_HOSTS``. Pure: the environment is an argument.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

from .urls import RemoteURL

#: Environment variables that hold a token for one well-known host (https only).
HOST_TOKENS = {
    "github.com": ("GITHUB_TOKEN", "GH_TOKEN"),
    "gitlab.com": ("GITLAB_TOKEN",),
    "bitbucket.org": ("BITBUCKET_TOKEN",),
    "codeberg.org": ("CODEBERG_TOKEN",),
}
#: HTTP basic user names each host accepts with a token as the password.
HOST_USERS = {"github.com": "x-access-token", "gitlab.com": "oauth2",
              "bitbucket.org": "x-token-auth"}
#: the variable naming the hosts GITDIGEST_TOKEN may be sent to
TOKEN_HOSTS = "GITDIGEST_TOKEN_HOSTS"


@dataclass(frozen=True)
class Credentials:
    """A token and the header git sends it in (both kept out of every message); ``withheld``
    names a variable that was set but not bound to this host (said in an auth error)."""

    token: str | None = field(repr=False)
    header: str | None = field(default=None, repr=False)
    withheld: str | None = None

    def redact(self, text: str) -> str:
        """``text`` with the token and its header forms replaced by ``***``."""
        for secret in (self.header, self.token):
            if secret:
                text = text.replace(secret, "***")
        if self.header:
            encoded = self.header.split()[-1]
            text = text.replace(encoded, "***")
        return text


def bare_host(host: str) -> str:
    """``host`` without its port, lower case (``[::1]:8080`` -> ``[::1]``)."""
    host = host.lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def token_hosts(env: Mapping[str, str]) -> frozenset[str]:
    """The hosts ``GITDIGEST_TOKEN_HOSTS`` lists: comma-separated names, no port, compared
    exactly and case-insensitively (an IPv6 literal may be written with or without brackets)."""
    names = set()
    for item in env.get(TOKEN_HOSTS, "").split(","):
        name = item.strip().lower().rstrip(".")
        if name:
            names.add(name if name.startswith("[") or ":" not in name else f"[{name}]")
    return frozenset(names)


def port_of(host: str) -> str:
    """The port written in ``host`` (``""`` when none: the scheme's default)."""
    rest = host.rpartition("]")[2] if host.startswith("[") else host
    return rest.rpartition(":")[2] if rest.count(":") == 1 else ""


def _host_variables(host: str, env: Mapping[str, str]) -> tuple[str, ...]:
    """The variables holding a token for ``host`` (with its port): a well-known host's on
    the default https port only (another port on it may be anyone's service)."""
    name, port = bare_host(host), port_of(host)
    names = HOST_TOKENS.get(name, ()) if port in ("", "443") else ()
    ci_host = env.get("CI_SERVER_HOST", "").strip().lower() if env.get("GITLAB_CI") else ""
    ci_port = env.get("CI_SERVER_PORT", "").strip() or "443"
    if ci_host and name == ci_host and (port or "443") == ci_port \
            and "GITLAB_TOKEN" not in names:
        names = (*names, "GITLAB_TOKEN")
    return names


def env_token(scheme: str, host: str, env: Mapping[str, str], *, server: bool = False
              ) -> tuple[str | None, str | None]:
    """The environment's token for ``scheme://host`` and the variable it came from, or
    ``(None, withheld)``: ``withheld`` names a variable that is set but not bound to this host.

    ``server``: digesting for someone else (web, MCP): only ``GITDIGEST_TOKEN`` where
    ``GITDIGEST_TOKEN_HOSTS`` binds it."""
    if scheme not in ("https", "http"):
        return None, None
    name = bare_host(host)
    withheld = None
    if env.get("GITDIGEST_TOKEN"):
        if name in token_hosts(env):
            return env["GITDIGEST_TOKEN"], "GITDIGEST_TOKEN"
        withheld = "GITDIGEST_TOKEN"
    if server:
        return None, withheld
    for variable in _host_variables(host, env):
        if env.get(variable):
            # a host's own variable never travels in clear text
            return (env[variable], variable) if scheme == "https" else (None, variable)
    return None, withheld


def basic_header(host: str, token: str, user: str | None = None) -> str:
    """The ``Authorization`` header git sends ``token`` in (the host's user name for tokens
    unless the URL named one)."""
    name = bare_host(host)
    fallback = "oauth2" if name == "gitlab.com" else "git"
    basic = base64.b64encode(f"{user or HOST_USERS.get(name, fallback)}:{token}".encode())
    return f"Authorization: Basic {basic.decode('ascii')}"


def credentials_for(url: RemoteURL, env: Mapping[str, str], explicit: str | None = None, *,
                    server: bool = False) -> Credentials:
    """What git sends to ``url``: ``explicit`` (``--token`` or a request's header token, for
    the source it was given with), else the URL's own password, else the environment's token
    bound to the host (see :func:`env_token`). Never checked against a format."""
    if url.scheme not in ("https", "http"):
        return Credentials(None)
    token, user, withheld = explicit, None, None
    if not token and url.password:
        token, user = url.password, url.username
    if not token:
        token, variable = env_token(url.scheme, url.host, env, server=server)
        withheld = None if token else variable
    if not token:
        return Credentials(None, withheld=withheld)
    return Credentials(token, basic_header(url.host, token, user))


def same_origin(one: RemoteURL, other: RemoteURL) -> bool:
    """Whether an explicit token given for ``one`` may go to ``other``: same scheme, host and
    port (a submodule on the same server; never one elsewhere, never downgraded to http)."""
    return one.scheme == other.scheme and one.host.lower() == other.host.lower()
