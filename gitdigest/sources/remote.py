"""A remote repository: refs resolved against the server, then a shallow fetch of exactly one
commit. A subfolder comes blob-less, then the blobs of the subpath in one batch (sparse
checkout); a whole repository comes as one pack, or in two parts when the pipeline counts early
(see :class:`Backfill`).

Git runs through the same hardened runner as local git (``gitcmd.run_git``), with a timeout. A
token reaches git only as an HTTP header in environment-provided configuration scoped to the
host: never in a URL, an argument, ``.git/config`` or a message.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import posixpath
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..core import background
from ..core.errors import GitError, RemoteError, UnknownRef, UsageError
from ..core.paths import cache_dir
from ..core.records import Entry, Skipped
from .base import Listing, Source, SourceSettings
from .credentials import Credentials, bare_host, credentials_for, same_origin
from .gitcmd import GitFailed, GitRun, GitTimeout, run_git, split_z
from .gitobjects import RefSource, present_blob_sizes
from .netguard import NetworkPolicy
from .urls import RemoteURL, is_sha, parse_remote, split_tail, strip_credentials

# Submodule URLs come from the repository (.gitmodules): only network schemes are followed, so
# a hostile repository cannot make us read a repository on this machine.
_SUBMODULE_SCHEMES = frozenset({"https", "http", "ssh", "git"})


def credentials_of(url: RemoteURL, settings: SourceSettings) -> Credentials:
    """The credentials for ``url``: ``settings.token`` is the token given for this source;
    a server (``settings.policy`` set) uses only the environment tokens bound to the host by
    GITDIGEST_TOKEN_HOSTS (see :mod:`.credentials`)."""
    return credentials_for(url, os.environ, settings.token, server=settings.policy is not None)


@dataclass(frozen=True)
class Resolved:
    """What the user asked for (``ref``), what to fetch (a full ref name or a commit id), the
    commit it names, and the subpath inside it."""

    ref: str
    fetch: str
    commit: str | None
    subpath: str


def transport_profile(scheme: str) -> str:
    """What git may execute besides git to reach a remote of ``scheme`` (see
    :data:`~gitdigest.sources.sandbox.PROFILES`): for ``file://`` git starts
    ``git-upload-pack '<path>'`` through the shell, for ``ssh://`` it starts the ssh command
    through the shell; http(s) and git:// need only git's own helpers."""
    return {"file": "shell", "ssh": "ssh"}.get(scheme, "git")


class RemoteGit:
    """Hardened git calls for one remote, with a timeout and the token in environment
    configuration scoped to the remote's host."""

    def __init__(self, url: RemoteURL, credentials: Credentials, timeout: float,
                 policy: NetworkPolicy | None = None) -> None:
        self.url = url
        self.credentials = credentials
        self.timeout = timeout
        # checked before any connection; pins git to the addresses checked
        self.config = policy.pin(url.scheme, url.host) if policy is not None else []
        if credentials.header:
            base = f"{url.scheme}://{url.host}/"
            self.config.append((f"http.{base}.extraHeader", credentials.header))
            # git sends the header with every request, wherever a redirect led (its default
            # "initial" follows the first): a token goes to no host but its own
            self.config.append(("http.followRedirects", "false"))
        self.profile = transport_profile(url.scheme)

    def run(self, args: list[str], cwd: Path | None = None) -> str:
        """Run git; failures become :class:`RemoteError` with a redacted, classified message."""
        with self._failures():
            # outside a clone, run where no repository's config can apply
            result = run_git(args, str(cwd) if cwd else "/", timeout=self.timeout,
                             config=self.config, profile=self.profile)
        return result.stdout.decode("utf-8", "surrogateescape")

    def start(self, args: list[str], cwd: Path, input: bytes,
              config: Sequence[tuple[str, str]] = ()) -> GitRun:
        """Start git and go on; :meth:`finish` waits for it."""
        try:
            return GitRun(args, str(cwd), input=input, timeout=self.timeout,
                          config=[*self.config, *config], profile=self.profile)
        except GitError as error:
            raise RemoteError(str(error)) from None

    def finish(self, run: GitRun) -> None:
        """Wait for a started git; failures become :class:`RemoteError`, as in :meth:`run`."""
        with self._failures():
            run.wait()

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """A timeout or a failed git as :class:`RemoteError`, the token never in the message."""
        try:
            yield
        except GitTimeout:
            raise RemoteError(f"timed out after {self.timeout:g} s talking to "
                              f"{self.url.display}; raise --timeout for large repositories"
                              ) from None
        except GitFailed as error:
            raise classify(self.credentials.redact(error.stderr), self.url,
                           bool(self.credentials.token), self.credentials.withheld) from None


#: A first fetch of a whole repository comes in two parts when the pipeline can count early:
#: the commit, its trees and every blob up to this size; then the larger blobs, which download
#: while the files already here are counted (numpy: 2,229 of 2,341 blobs, half of its bytes,
#: in the first part).
SPLIT_LIMIT = 64 * 1024


class Backfill:
    """The blobs a split fetch left for later, downloading (no thread: the pipeline may fork)
    while the pipeline counts what is here. :meth:`wait` returns once every blob of the commit
    is here, and makes the clone whole again, so later runs read it as any other."""

    def __init__(self, remote: RemoteGit, repo: Path, missing: list[str]) -> None:
        self._remote, self._repo = remote, repo
        # as git fetches a partial clone's missing objects itself: by id, with no negotiation
        self._run: GitRun | None = remote.start(
            ["fetch", "-q", "--no-tags", "--no-write-fetch-head", "--filter=blob:none",
             "--stdin", "origin"], repo, "".join(f"{oid}\n" for oid in missing).encode(),
            config=[("fetch.negotiationAlgorithm", "noop")])

    def wait(self) -> None:
        """Wait for the download; :class:`RemoteError` when it failed."""
        run, self._run = self._run, None
        if run is None:
            return
        self._remote.finish(run)
        _whole(self._repo)

    def running(self) -> bool:
        """Whether git is still downloading."""
        return self._run is not None and self._run.running()

    def stop(self) -> None:
        """Stop the download if it still runs (the clone stays partial: a later run fetches
        what it lacks)."""
        if self._run is not None:
            self._run.stop()
            self._run = None


def _whole(repo: Path) -> None:
    """Forget that the clone was fetched with a filter: every blob of its commit is here."""
    for key in ("remote.origin.promisor", "remote.origin.partialclonefilter"):
        run_git(["config", "--unset-all", key], str(repo), ok=(0, 5))  # 5: was not set


def _missing_blobs(remote: RemoteGit, repo: Path, commit: str) -> list[str]:
    """The blobs of ``commit`` that are not here (asking the server nothing, unless it left
    out trees: then git fetches them, under the remote's configuration)."""
    present = present_blob_sizes(repo, remote.config)
    lines = split_z(run_git(["ls-tree", "-r", "-z", "--full-tree", commit], str(repo),
                            config=remote.config).stdout)
    wanted = {meta.split()[2] for meta, _, _ in (line.partition("\t") for line in lines)
              if meta.split()[1] == "blob"}
    return sorted(wanted - present.keys())


def classify(stderr: str, url: RemoteURL, has_token: bool, withheld: str | None = None
             ) -> RemoteError:
    """One line that says what went wrong, with a hint when there is one."""
    text = stderr.lower()
    where = url.display
    # a token travels only in an http(s) header: for file:// or ssh:// it would not help
    tokens_help = url.scheme in ("https", "http")
    if "no space left" in text:
        return RemoteError(f"disk full while fetching {where}")
    if any(s in text for s in ("could not resolve host", "connection refused", "failed to connect",
                               "couldn't connect", "network is unreachable",
                               "name or service not known", "no route to host",
                               "unable to connect", "connection timed out")):
        return RemoteError(f"cannot reach {url.host}: the host is unreachable")
    if any(s in text for s in ("authentication failed", "http 401", "requested url returned "
                               "error: 401", "could not read username", "could not read password",
                               "permission denied (publickey")):
        if has_token:
            return RemoteError(f"authentication failed for {where}: the token was refused")
        if withheld:
            how = ("list the host in GITDIGEST_TOKEN_HOSTS" if withheld == "GITDIGEST_TOKEN"
                   else "it is sent over https only")
            return RemoteError(f"authentication required for {where}; {withheld} is set but "
                               f"not bound to {bare_host(url.host)} ({how})")
        if not tokens_help:
            return RemoteError(f"authentication required for {where}")
        return RemoteError(f"authentication required for {where}; pass a token with --token "
                           "or GITDIGEST_TOKEN with GITDIGEST_TOKEN_HOSTS")
    if "requested url returned error: 30" in text:
        hint = "a redirect is not followed with a token; " if has_token else ""
        return RemoteError(f"{where} redirects elsewhere; {hint}use the address it "
                           "redirects to")
    if any(s in text for s in ("not found", "404", "does not appear to be a git repository",
                               "does not exist", "403")):
        private = "; if it is private, pass a token with --token"
        hint = private if tokens_help and not has_token else ""
        return RemoteError(f"repository not found or no access: {where}{hint}")
    last = [line for line in stderr.strip().splitlines() if line.strip()]
    return RemoteError(f"git failed for {where}: {last[-1] if last else 'unknown error'}")


def list_refs(remote: RemoteGit) -> tuple[dict[str, str], dict[str, str], str | None]:
    """Branches and tags (name -> commit, tags peeled) and the default branch."""
    heads: dict[str, str] = {}
    tags: dict[str, str] = {}
    default = None
    for line in remote.run(["ls-remote", "--symref", "--", remote.url.clone_url]).splitlines():
        left, _, name = line.partition("\t")
        if left.startswith("ref: ") and name == "HEAD":
            default = left[5:].removeprefix("refs/heads/")
        elif name.startswith("refs/heads/"):
            heads[name[11:]] = left
        elif name.startswith("refs/tags/"):
            tag = name[10:]
            if tag.endswith("^{}"):
                tags[tag[:-3]] = left  # the peeled commit wins over the tag object
            else:
                tags.setdefault(tag, left)
    return heads, tags, default


def resolve(url: RemoteURL, override: str | None, heads: dict[str, str], tags: dict[str, str],
            default: str | None) -> Resolved:
    """The ref and subpath a URL (and --ref) mean, checked against the server's refs."""
    tail = url.tail
    if override == "HEAD":  # the server's HEAD: its default branch
        override = default
    if override:
        subpath = tail[len(override):].strip("/") if tail.startswith(override) else ""
        if not subpath and tail and url.route != "commit":
            with contextlib.suppress(UnknownRef):
                subpath = _from_tail(url, tail, heads, tags).subpath
        return replace(_named(url, override, heads, tags), subpath=subpath)
    if url.route == "commit":
        sha, _, subpath = tail.partition("/")
        return replace(_named(url, sha, heads, tags), subpath=subpath)
    if url.route in ("tree", "blob") and tail:
        return _from_tail(url, tail, heads, tags)
    if default is None:
        raise RemoteError(f"{url.display} has no default branch; name one with --ref")
    return _named(url, default, heads, tags)


def _from_tail(url: RemoteURL, tail: str, heads: dict[str, str], tags: dict[str, str]
               ) -> Resolved:
    for ref, subpath in split_tail(tail):  # the longest branch or tag name that matches
        if ref in heads or ref in tags:
            return replace(_named(url, ref, heads, tags), subpath=subpath)
    first, _, subpath = tail.partition("/")
    if is_sha(first):
        return replace(_named(url, first, heads, tags), subpath=subpath)
    return _named(url, tail, heads, tags)  # raises with suggestions


def _named(url: RemoteURL, ref: str, heads: dict[str, str], tags: dict[str, str]) -> Resolved:
    for prefix, table in (("refs/heads/", heads), ("refs/tags/", tags)):
        if ref in table:
            return Resolved(ref, prefix + ref, table[ref], "")
    for prefix in ("refs/heads/", "refs/tags/"):
        name = ref.removeprefix(prefix)
        if ref.startswith(prefix) and name in (heads if "heads" in prefix else tags):
            return _named(url, name, heads, tags)
    if re.fullmatch(r"[0-9a-fA-F]{40}", ref):
        return Resolved(ref, ref.lower(), ref.lower(), "")
    if is_sha(ref):
        tips = {sha for sha in (*heads.values(), *tags.values()) if sha.startswith(ref.lower())}
        if len(tips) == 1:
            sha = tips.pop()
            return Resolved(ref, sha, sha, "")
        raise UnknownRef(f"short commit id {ref!r} is not the tip of a branch or tag at "
                         f"{url.display}; give the full 40-character id")
    close = difflib.get_close_matches(ref, [*heads, *tags], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownRef(f"unknown ref {ref!r} at {url.display}{hint}")


class RemoteSource(RefSource):
    """A fetched commit of a remote repository, read from git objects; removes its temporary
    clone (or releases the cache lock) on close. With ``include_submodules`` each submodule is
    fetched the same way (at the commit the superproject records) and listed under its path."""

    def __init__(self, repo: Path, resolved: Resolved, url: RemoteURL,
                 cleanup: contextlib.ExitStack, settings: SourceSettings,
                 backfill: Backfill | None = None) -> None:
        self._cleanup = cleanup
        self._settings = settings
        self._backfill = backfill
        self._submodules: dict[str, RemoteSource] = {}
        super().__init__(repo, resolved.commit or "FETCH_HEAD", url.display,
                         subpath=resolved.subpath, kind="remote", name=url.name)
        self.url = url
        self.info = replace(self.info, ref=resolved.ref, host=url.host or None, repo=url.repo)
        #: configuration git needs to fetch missing objects (the token's header), and its
        #: time limit
        self.git_config: tuple[tuple[str, str], ...] = ()
        self.git_timeout: float | None = settings.timeout
        self.git_profile = transport_profile(url.scheme)  # a lazy fetch reaches the remote

    def listing(self) -> Listing:
        """The tree, with submodules expanded when asked (once every blob is here)."""
        if self._backfill is not None:
            backfill, self._backfill = self._backfill, None
            backfill.wait()
        result = super().listing()
        if not self._settings.include_submodules:
            return result
        urls = self._submodule_urls()
        entries: list[Entry] = []
        for entry in result.entries:
            full = f"{self.subpath}/{entry.path}" if self.subpath else entry.path
            if entry.kind != "submodule" or full not in urls:
                entries.append(entry)
                continue
            try:
                sub = self._open_submodule(urls[full], entry)
            except (UsageError, RemoteError) as error:
                # a refused or unreachable submodule is listed with its reason; the rest goes on
                result.skipped.append(Skipped(entry.path, "submodule",
                                              f"not fetched: {strip_credentials(str(error))}"))
                continue
            self._cleanup.callback(sub.close)
            self._submodules[entry.path] = sub
            inner = sub.listing()
            entries += [replace(e, path=f"{entry.path}/{e.path}") for e in inner.entries]
            result.skipped += [replace(s, path=f"{entry.path}/{s.path}") for s in inner.skipped]
        result.entries = entries
        return result

    def _open_submodule(self, spec: str, entry: Entry) -> RemoteSource:
        """A submodule at the commit the superproject records. The token given for this
        source goes along only to the same scheme, host and port."""
        url = _submodule_url(spec)
        token = self._settings.token if same_origin(self.url, url) else None
        return open_remote(url, replace(self._settings, ref=entry.oid, spec=spec, token=token))

    def listing_so_far(self) -> Listing | None:
        """While the larger blobs download: every entry whose blob is here, sized from the
        object store (``ls-tree --long`` would fetch each missing blob on its own)."""
        if not self.downloading():  # done already: everything is counted in one pass
            return None
        # with the remote's configuration (pinned addresses, the token header): a server that
        # left trees out would have git fetch them here
        sizes = present_blob_sizes(self.repo, self.git_config)
        result = Listing()
        for line in split_z(run_git(["ls-tree", "-r", "-z", "--full-tree", self.commit],
                                    str(self.repo), config=self.git_config).stdout):
            meta, _, path = line.partition("\t")
            mode, _, oid = meta.split()
            size = 0 if mode == "160000" else sizes.get(oid)
            if size is not None:
                result.entries.append(self._entry(mode, oid, size, path))
        return result

    def downloading(self) -> bool:
        """Whether the larger blobs are still downloading."""
        return self._backfill is not None and self._backfill.running()

    def _submodule_urls(self) -> dict[str, str]:
        found = run_git(["config", "--blob", f"{self.commit}:.gitmodules", "-z",
                         "--get-regexp", r"^submodule\..*\.(path|url)$"], str(self.repo),
                        ok=None).stdout.decode("utf-8", "replace")
        paths: dict[str, str] = {}
        urls: dict[str, str] = {}
        for item in filter(None, found.split("\0")):
            key, _, value = item.partition("\n")
            name, field_name = key[len("submodule."):].rsplit(".", 1)
            (paths if field_name == "path" else urls)[name] = value
        return {path: _join_url(self.url.clone_url, urls[name])
                for name, path in paths.items() if name in urls}

    def _owner(self, path: str) -> tuple[Source, str]:
        for prefix, sub in self._submodules.items():
            if path.startswith(prefix + "/"):
                return sub, path[len(prefix) + 1:]
        return self, path

    def read(self, entry: Entry) -> bytes:
        """A blob's bytes, from the submodule that holds it when there is one."""
        owner, inner = self._owner(entry.path)
        if owner is self:
            return super().read(entry)
        return owner.read(replace(entry, path=inner))

    def read_ahead(self, entries: Sequence[Entry]) -> None:
        """Read ahead the blobs of this repository (a submodule's are read one by one)."""
        super().read_ahead([e for e in entries if self._owner(e.path)[0] is self])

    def read_path(self, path: str) -> bytes:
        """The blob at ``path``."""
        owner, inner = self._owner(path)
        return super().read_path(path) if owner is self else owner.read_path(inner)

    def reopen(self) -> None:
        """New cat-file processes in a forked worker, for submodules too."""
        super().reopen()
        for sub in self._submodules.values():
            sub.reopen()

    def close(self) -> None:
        """Stop git and remove what this run made."""
        try:
            if self._backfill is not None:
                self._backfill.stop()
            super().close()
        finally:
            self._cleanup.close()


def _join_url(base: str, url: str) -> str:
    """A submodule URL; relative ones (``../other.git``) are relative to the superproject's."""
    if not url.startswith(("./", "../")):
        return url
    scheme, sep, rest = base.partition("://")
    host, _, path = rest.partition("/") if sep else ("", "", base)
    joined = posixpath.normpath(posixpath.join("/" + path, url)).lstrip("/")
    return f"{scheme}://{host}/{joined}" if sep else joined


def _submodule_url(url: str) -> RemoteURL:
    parsed = parse_remote(url)
    if parsed.scheme not in _SUBMODULE_SCHEMES:
        raise UsageError(f"submodule URL {parsed.display} is not a network URL; gitdigest "
                         "follows only https, http, ssh and git submodules")
    return parsed


def open_remote(url: RemoteURL, settings: SourceSettings) -> RemoteSource:
    """Resolve, fetch and open ``url`` as a source."""
    remote = RemoteGit(url, credentials_of(url, settings), settings.timeout, settings.policy)
    with contextlib.ExitStack() as stack:
        repo = stack.enter_context(_workspace(url, settings.clone_cache))
        early = _fetch_head_early(remote, repo, settings)
        try:
            heads, tags, default = list_refs(remote)
        finally:  # a failed ref listing must not leave the download running
            fetched, backfill = early()
            if backfill is not None:
                stack.callback(backfill.stop)
        if url.route in REVIEW_REFS and settings.ref is None:
            resolved = _review_ref(remote)
        else:
            resolved = resolve(url, settings.ref, heads, tags, default)
        if fetched is None or fetched != resolved.commit:
            if backfill is not None:  # the default branch moved meanwhile: fetch it anew
                backfill.stop()
            backfill = _fetch(remote, repo, resolved, settings)
            if backfill is not None:
                stack.callback(backfill.stop)
        if settings.also_fetch or settings.history:
            bases = [_named(url, default if base == "HEAD" and default else base, heads, tags)
                     for base in settings.also_fetch]
            _fetch_history(remote, repo, resolved, bases, settings.history)
        source = RemoteSource(repo, resolved, url, stack.pop_all(), settings, backfill)
        source.git_config = tuple(remote.config)  # lazy blob fetches (a diff's base) need it
        return source
    raise AssertionError("unreachable")  # pragma: no cover


def _fetch_head_early(remote: RemoteGit, repo: Path, settings: SourceSettings
                      ) -> Callable[[], tuple[str | None, Backfill | None]]:
    """On a first fetch of a repository's default branch (a bare repository URL), start
    fetching the server's HEAD while its refs are listed, so the ref listing's round trip is
    not on the way to the pack. Returns ``wait``, which gives the commit fetched, or None
    (nothing started, or the fetch failed: then the ordinary fetch runs and reports), and the
    download of the larger blobs that is still under way."""
    url = remote.url
    plain = not url.tail and url.route not in (*REVIEW_REFS, "commit")
    if settings.ref not in (None, "HEAD") or not plain or (repo / ".git").exists():
        return lambda: (None, None)
    head = Resolved("the default branch", "HEAD", None, "")
    fetched: list[tuple[str | None, Backfill | None]] = [(None, None)]

    def fetch() -> None:
        with contextlib.suppress(RemoteError):
            backfill = _fetch(remote, repo, head, settings)
            fetched[0] = (_checked_out(remote, repo), backfill)

    wait = background.start(fetch, "gitdigest-early-fetch")

    def result() -> tuple[str | None, Backfill | None]:
        wait()
        return fetched[0]

    return result


#: the head ref a pull or merge request route names, where the forge publishes it
REVIEW_REFS = {"pull": ("refs/pull/{}/head", "pull request"),
               "merge_request": ("refs/merge-requests/{}/head", "merge request")}


def _review_ref(remote: RemoteGit) -> Resolved:
    """The head of the pull or merge request the URL names, if the server publishes it."""
    pattern, what = REVIEW_REFS[remote.url.route or ""]
    name = pattern.format(remote.url.tail)
    found = remote.run(["ls-remote", "--", remote.url.clone_url, name]).split()
    if not found:
        raise UnknownRef(f"{remote.url.display} publishes no {name}, so {what} "
                         f"{remote.url.tail} cannot be fetched from it")
    return Resolved(name, name, found[0], "")


def _local_ref(resolved: Resolved) -> str:
    """Where a fetched ref is kept, so a range can name it as the user typed it."""
    if resolved.fetch.startswith("refs/"):
        return resolved.fetch
    return f"refs/gitdigest/{resolved.fetch}"


def _fetch_history(remote: RemoteGit, repo: Path, head: Resolved, bases: list[Resolved],
                   commits: int) -> None:
    """Enough history for a range and the History section: the head and every base, blob-less,
    deepened until the bases and the head share a merge base (or the whole history is
    fetched), and at least ``commits`` deep."""
    specs = [f"+{item.fetch}:{_local_ref(item)}" for item in (head, *bases)]
    depth = max(commits + 1, 32)
    remote.run(["fetch", "-q", f"--depth={depth}", "--filter=blob:none", "--no-tags",
                "origin", *specs], cwd=repo)
    tips = [item.commit or _local_ref(item) for item in (head, *bases)]
    for _ in range(12):
        if all(_merges(repo, tips[0], tip) for tip in tips[1:]):
            return
        depth *= 4
        remote.run(["fetch", "-q", f"--deepen={depth}", "--filter=blob:none", "--no-tags",
                    "origin", *specs], cwd=repo)
    remote.run(["fetch", "-q", "--unshallow", "--filter=blob:none", "--no-tags", "origin",
                *specs], cwd=repo)


def _merges(repo: Path, one: str, other: str) -> bool:
    """Whether ``one`` and ``other`` have a merge base in what is fetched so far."""
    return run_git(["merge-base", one, other], str(repo), ok=None).returncode == 0


@contextlib.contextmanager
def _workspace(url: RemoteURL, cache: bool) -> Iterator[Path]:
    """A temporary folder, or the repository's folder in the cache, held under a lock."""
    if not cache:
        folder = Path(tempfile.mkdtemp(prefix="gitdigest-clone-"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from filelock import FileLock

    key = hashlib.sha256(url.clone_url.encode()).hexdigest()[:16]
    folder = cache_dir() / "repos" / f"{url.name}-{key}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RemoteError(f"cannot use the clone cache {folder}: {error.strerror or error}; "
                          "try --no-cache") from error
    with FileLock(str(folder.with_suffix(".lock"))):  # concurrent runs take turns
        yield folder


def _fetch(remote: RemoteGit, repo: Path, resolved: Resolved, settings: SourceSettings
           ) -> Backfill | None:
    """One commit, no history: the blobs of the subpath in one batch, or the whole tree (in
    one pack, or its larger blobs in a download left running: returned)."""
    started = time.monotonic()
    settings.progress(f"fetching {remote.url.display} ({resolved.ref})...")
    split = settings.count_early and not (settings.also_fetch or settings.history
                                          or settings.include_submodules)
    for attempt in (1, 2):
        try:
            backfill = _fetch_into(remote, repo, resolved, settings.on_fetch, split=split)
            break
        except RemoteError:
            if attempt == 2 or not (repo / ".git").exists():
                raise
            # a damaged cache is rebuilt, never trusted
            shutil.rmtree(repo / ".git", ignore_errors=True)
    settings.progress(f"fetched in {time.monotonic() - started:.1f} s" if backfill is None
                      else f"fetched all but the larger files in "
                           f"{time.monotonic() - started:.1f} s; they download meanwhile")
    return backfill


def _fetch_into(remote: RemoteGit, repo: Path, resolved: Resolved,
                on_fetch: Callable[[], None] = lambda: None, *, split: bool = False
                ) -> Backfill | None:
    if not (repo / ".git").exists():
        remote.run(["init", "-q", str(repo)], cwd=repo)
    # a partial clone needs a named promisor remote; its URL holds no credentials
    remote.run(["config", "remote.origin.url", remote.url.clone_url], cwd=repo)
    if resolved.commit is None or _checked_out(remote, repo) != resolved.commit:
        way = _way(resolved, split and not _partial(remote, repo))
        on_fetch()  # a download to wait for: the tokenizer loads meanwhile
        remote.run(["fetch", "-q", "--depth=1", *_filters(way), "--no-tags", "origin",
                    resolved.fetch], cwd=repo)
        if way == "split":
            target = resolved.commit or "FETCH_HEAD"
            remote.run(["update-ref", "--no-deref", "HEAD", target], cwd=repo)
            missing = _missing_blobs(remote, repo, _checked_out(remote, repo) or target)
            if missing:
                return Backfill(remote, repo, missing)
            _whole(repo)  # nothing was larger (or the server ignored the filter)
            return None
    # else a warm re-run on an unchanged commit: the ref listing already named the tip, and
    # its objects are here, so no fetch (no pack negotiation) at all
    target = resolved.commit or "FETCH_HEAD"
    if resolved.subpath or _partial(remote, repo):
        # checking out the sparse patterns fetches the missing blobs in one batch
        patterns = [f"/{resolved.subpath}"] if resolved.subpath else ["/*"]
        remote.run(["sparse-checkout", "set", "--no-cone", "--", *patterns], cwd=repo)
        remote.run(["checkout", "-q", "--force", "--detach", target], cwd=repo)
    else:
        # every blob is here and files are read from objects: no working tree to write
        remote.run(["update-ref", "--no-deref", "HEAD", target], cwd=repo)
    return None


def _filters(way: str) -> list[str]:
    """What each way of fetching asks the server to leave out."""
    return {"pack": [], "blobless": ["--filter=blob:none"],
            "split": [f"--filter=blob:limit={SPLIT_LIMIT}"]}[way]


def _way(resolved: Resolved, split: bool) -> str:
    """How to fetch. A subfolder: the commit and trees first, then only its blobs (sparse
    checkout). The whole repository: one shallow pack with every blob (one round trip fewer
    than blobless-then-sparse, measured faster on numpy), or, when the pipeline counts early,
    split in two. GITDIGEST_FETCH=pack|blobless|split forces one: a benchmark and diagnostic
    knob (the crossover in benchmarks/remote.py), deliberately not an option or a flag."""
    forced = os.environ.get("GITDIGEST_FETCH")
    if forced in ("pack", "blobless"):
        return forced
    if resolved.subpath:
        return "blobless"
    return "split" if split else "pack"  # GITDIGEST_FETCH=split: where a split can be made


def _partial(remote: RemoteGit, repo: Path) -> bool:
    """Whether the clone was ever fetched without blobs (then some may be missing)."""
    try:
        return remote.run(["config", "--get", "remote.origin.promisor"], cwd=repo).strip() \
            == "true"
    except RemoteError:
        return False


def _checked_out(remote: RemoteGit, repo: Path) -> str | None:
    """The commit the cached clone has checked out (None for a fresh one)."""
    try:
        return remote.run(["rev-parse", "--verify", "-q", "HEAD"], cwd=repo).strip() or None
    except RemoteError:
        return None
