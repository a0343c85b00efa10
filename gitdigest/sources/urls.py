"""Remote locations: parse what a user pastes (URLs of any host, scp-style, slugs) into what
git needs to clone and what the URL says about ref and subpath. Pure: no network.

A URL's route tail (``/tree/<ref-and-path>``) is kept whole, because where the ref ends and the
path begins is only known from the server's list of branches and tags (see ``remote.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

from ..errors import UsageError

DEFAULT_HOST = "github.com"
_SCP = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[^@/:\s]+):(?!//)(?P<path>[^\s]+)$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$")
_HOST_PATH = re.compile(r"^(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?)/(?P<path>.+)$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
# Route markers of the common forges, by what the segment after the repository says.
_GITHUB = {"tree": "tree", "blob": "blob", "commit": "commit", "commits": "commit"}
_GITEA_KINDS = {"branch": "tree", "tag": "tree", "commit": "commit"}
TWO_SEGMENT_HOSTS = {"github.com", "bitbucket.org", "codeberg.org", "gitea.com"}


@dataclass(frozen=True)
class RemoteURL:
    """A parsed remote: ``clone_url`` for git, ``repo`` (owner/name, any depth, case kept),
    and what the route says: ``route`` (``tree``, ``blob`` or ``commit``) with its ``tail``."""

    clone_url: str
    scheme: str
    host: str
    repo: str
    route: str | None = None
    tail: str = ""
    username: str | None = None
    password: str | None = None

    @property
    def display(self) -> str:
        """The URL without credentials, for summaries and messages."""
        return self.clone_url

    @property
    def name(self) -> str:
        """The repository's name (last segment, without ``.git``)."""
        return _strip_git(self.repo.rsplit("/", 1)[-1])


def looks_remote(spec: str) -> bool:
    """Whether ``spec`` is meant as a remote (a URL, scp-style, ``host/path`` or a slug)."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", spec) or _SCP.match(spec)
                or _HOST_PATH.match(spec) or _SLUG.match(spec))


def parse_remote(spec: str, default_host: str = DEFAULT_HOST) -> RemoteURL:
    """Parse ``spec``; raise :class:`UsageError` for what cannot be a repository."""
    spec = spec.strip()
    if "://" in spec:
        return _parse_url(spec)
    scp = _SCP.match(spec)
    if scp and ("." in scp.group("host") or scp.group("user")):
        path = scp.group("path").strip("/")
        return _routed("ssh", scp.group("host"), path, user=scp.group("user"), scp=True)
    host_path = _HOST_PATH.match(spec)
    if host_path:
        return _parse_url(f"https://{spec}")
    if _SLUG.match(spec):
        return _routed("https", default_host, spec)
    raise UsageError(f"not a local path or a repository URL: {spec}")


def _parse_url(spec: str) -> RemoteURL:
    parts = urlsplit(spec)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http", "ssh", "git", "file"):
        raise UsageError(f"unsupported URL scheme {scheme!r} in {spec}; use https, http, ssh, "
                         "git or file")
    path = unquote(parts.path).strip("/")
    if scheme == "file":
        return RemoteURL(f"file:///{path}", "file", "", path)
    if not parts.hostname or not path:
        raise UsageError(f"a repository URL needs a host and a path: {spec}")
    host = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return _routed(scheme, host, path, user=parts.username and unquote(parts.username),
                   password=parts.password and unquote(parts.password))


def _routed(scheme: str, host: str, path: str, *, user: str | None = None,
            password: str | None = None, scp: bool = False) -> RemoteURL:
    segments = [s for s in path.split("/") if s]
    repo_segments, route, tail = _split_route(segments, host)
    if not repo_segments:
        raise UsageError(f"no repository in {scheme}://{host}/{path}")
    repo = "/".join(repo_segments)
    if scp:
        clone = f"{user + '@' if user else ''}{host}:{repo}"
    elif scheme == "ssh":
        clone = f"ssh://{user + '@' if user else ''}{host}/{repo}"
    else:
        clone = f"{scheme}://{host}/{repo}"
    url = RemoteURL(clone, scheme, host, repo, route, tail)
    if scheme in ("https", "http") and (user or password):  # credentials in a URL become a token
        url = replace(url, username=user, password=password)
    return url


def _split_route(segments: list[str], host: str) -> tuple[list[str], str | None, str]:
    """Repository segments, the route kind and the tail after the route marker."""
    if "-" in segments:  # GitLab: group/sub/project/-/tree/<ref>/<path>
        at = segments.index("-")
        kind = segments[at + 1] if at + 1 < len(segments) else ""
        route = {"tree": "tree", "blob": "blob", "commit": "commit", "commits": "commit"}.get(kind)
        return segments[:at], route, "/".join(segments[at + 2:]) if route else ""
    for at in range(2, len(segments)):
        marker = segments[at]
        rest = segments[at + 1:]
        if marker in _GITHUB and rest:
            return segments[:at], _GITHUB[marker], "/".join(rest)
        if marker == "src" and rest:
            if rest[0] in _GITEA_KINDS and len(rest) > 1:  # Gitea, Forgejo, Codeberg
                return segments[:at], _GITEA_KINDS[rest[0]], "/".join(rest[1:])
            return segments[:at], "tree", "/".join(rest)  # Bitbucket: /src/<ref>/<path>
    if host.split(":")[0] in TWO_SEGMENT_HOSTS and len(segments) > 2:
        return segments[:2], None, ""  # github.com/owner/repo/issues...: the repository
    return segments, None, ""


def _strip_git(name: str) -> str:
    return name[:-4] if name.endswith(".git") else name


def split_tail(tail: str) -> list[tuple[str, str]]:
    """Every way to read a route tail as ``(ref, subpath)``, longest ref first."""
    parts = tail.split("/")
    return [("/".join(parts[:i]), "/".join(parts[i:])) for i in range(len(parts), 0, -1)]


def is_sha(text: str) -> bool:
    """7 to 40 hexadecimal digits: a (possibly short) commit id."""
    return bool(_SHA.match(text))
