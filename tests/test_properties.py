"""Property tests: the parsers that read what users type (and what repositories contain) fed
arbitrary input. Each may refuse with :class:`UsageError` (exit 2), never with anything else,
because anything else reaches the command line as "internal error", exit 70."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from gitdigest.core.errors import GitDigestError, SourceNotFound, UsageError
from gitdigest.options import parse_size
from gitdigest.read.decode import decode, decode_as
from gitdigest.read.notebook import notebook_to_text
from gitdigest.select.ignores import IgnoreFiles, PatternSet
from gitdigest.sources.urls import RemoteURL, looks_remote, parse_remote, parse_source

# Fast and repeatable; no example database, so no .hypothesis/ folder lands in the checkout.
FAST = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- remote specs

# Characters that matter to URL parsing, plus the hostile ones (NUL, newline, bidi override,
# an undecodable byte as surrogateescape gives it, a unicode host letter).
_URL_CHARS = [*"abcxyz019:/@.[]%-_~?#!+= ", "\0", "\n", "\t", "\x7f", "\u202e", "\udcff",
              "ü", "\u3000"]
_PREFIXES = ["", "https://", "http://", "ssh://", "git://", "file://", "file:///", "git@",
             "ext::", "github.com/", "https://github.com/", "https://[", "http://h:"]
url_like = st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(_PREFIXES),
                     st.text(alphabet=st.sampled_from(_URL_CHARS), max_size=40))
any_spec = st.one_of(st.text(max_size=60), url_like)


def _sane(url: RemoteURL) -> None:
    """What git and the cache may safely receive."""
    assert url.clone_url and url.clone_url.isprintable() and " " not in url.clone_url
    assert not url.clone_url.startswith("-")
    assert url.repo and url.repo.isprintable()
    assert url.host.isprintable() and not url.host.startswith("-")
    assert url.tail.isprintable()
    url.clone_url.encode("utf-8")  # the cache key hashes it: no lone surrogates


@pytest.mark.slow
@FAST
@given(any_spec)
@example("http://[invalid]")
@example("http://host:abc/o/r")
@example("https://[::1/o/r")
@example("http://h:99999/o/r")
@example("https://a.com/o%00/r")
def test_parse_remote_raises_only_usage_error(spec: str) -> None:
    try:
        url = parse_remote(spec)
    except UsageError:
        return
    _sane(url)


@FAST
@given(any_spec)
def test_looks_remote_never_raises(spec: str) -> None:
    assert isinstance(looks_remote(spec), bool)


@FAST
@given(any_spec, st.frozensets(st.sampled_from(["src", "a", "github.com", "git@x.io:o"])))
@example("", frozenset())
@example("src/flaks", frozenset({"src"}))
def test_parse_source_raises_only_exit_2_errors(spec: str, here: frozenset[str]) -> None:
    try:
        url = parse_source(spec, exists=here.__contains__)
    except (UsageError, SourceNotFound) as error:
        assert error.exit_code == 2
        assert "\n" not in str(error)  # the CLI prints one line
        return
    if url is not None:
        _sane(url)
        # a typo inside an existing folder is never sent to a forge
        assert spec.split("/", 1)[0] not in here or "://" in spec or ":" in spec


name = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,15}", fullmatch=True)
# GitHub owners have no dots; a dotted first segment is a host ("gitlab.com/group")
owner_name = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}", fullmatch=True)
ref = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True)
host = st.sampled_from(["github.com", "gitlab.com", "git.example.org", "codeberg.org"])
port_host = st.sampled_from(["127.0.0.1:8080", "localhost:3000", "git.example.org:8443"])


@pytest.mark.slow
@FAST
@given(owner=name, repo=name, host=st.one_of(host, port_host),
       scheme=st.sampled_from(["https", "http", "ssh", "git", "scp", "bare"]))
def test_valid_urls_keep_owner_and_repo(owner: str, repo: str, host: str, scheme: str) -> None:
    if scheme == "scp":
        spec = f"git@{host.split(':')[0]}:{owner}/{repo}"
    elif scheme == "bare":
        # without a scheme a host needs a dot: "localhost:3000/o/r" could as well be local
        assume("." in host.split(":")[0])
        spec = f"{host}/{owner}/{repo}"
    else:
        spec = f"{scheme}://{host}/{owner}/{repo}"
    url = parse_remote(spec)
    assert url.repo == f"{owner}/{repo}"
    assert url.clone_url.endswith(f"/{owner}/{repo}") or url.clone_url.endswith(
        f":{owner}/{repo}")
    assert url.route is None and url.tail == ""
    assert looks_remote(spec)
    _sane(url)


@FAST
@given(owner=owner_name, repo=name, host=host)
def test_slugs_mean_the_default_host(owner: str, repo: str, host: str) -> None:
    url = parse_remote(f"{owner}/{repo}", host)
    assert (url.host, url.repo) == (host, f"{owner}/{repo}")
    assert url.clone_url == f"https://{host}/{owner}/{repo}"


@pytest.mark.slow
@FAST
@given(owner=name, repo=name, ref=ref, path=st.lists(name, max_size=3),
       kind=st.sampled_from(["tree", "blob", "commit"]))
def test_routes_split_repo_from_tail(owner: str, repo: str, ref: str, path: list[str],
                                     kind: str) -> None:
    tail = "/".join([ref, *path])
    url = parse_remote(f"https://github.com/{owner}/{repo}/{kind}/{tail}?x=1#L2")
    assert (url.repo, url.route, url.tail) == (f"{owner}/{repo}", kind, tail)
    url = parse_remote(f"https://gitlab.com/{owner}/{repo}/-/{kind}/{tail}")
    assert (url.repo, url.route, url.tail) == (f"{owner}/{repo}", kind, tail)


# "!" never occurs in ``name``, so finding the secret anywhere means it leaked
secret = st.text(alphabet=st.sampled_from(list("abcXYZ019_-.~!$&'()*+,;=")), min_size=1,
                 max_size=20).map(lambda text: "!" + text)
user = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True)


@pytest.mark.slow
@FAST
@given(owner=name, repo=name, host=st.one_of(host, port_host), user=user, password=secret,
       scheme=st.sampled_from(["https", "http"]))
def test_credentials_never_reach_clone_url_or_display(owner: str, repo: str, host: str,
                                                      user: str, password: str,
                                                      scheme: str) -> None:
    url = parse_remote(f"{scheme}://{user}:{password}@{host}/{owner}/{repo}/tree/main")
    assert (url.username, url.password) == (user, password)
    for shown in (url.clone_url, url.display, url.repo, url.tail):
        assert password not in shown and "@" not in shown
    assert url.repo == f"{owner}/{repo}"


@FAST
@given(user=user)
def test_one_segment_on_an_owner_repo_host_is_refused(user: str) -> None:
    for spec in (f"https://github.com/{user}", f"https://github.com/{user}/",
                 f"git@github.com:{user}", f"codeberg.org/{user}"):
        try:
            parse_remote(spec)
        except UsageError:
            continue
        raise AssertionError(f"{spec} was accepted")


# ---------------------------------------------------------------- sizes

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
          "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}
unit = st.sampled_from(sorted(_UNITS)).flatmap(
    lambda u: st.sampled_from(sorted({u, u.upper(), u.capitalize()})))


@FAST
@given(st.one_of(st.text(max_size=30),
                 st.text(alphabet="0123456789.kKmMgGiIbB ", max_size=30),
                 st.integers(min_value=1, max_value=10_000).map(lambda n: "9" * n)))
@example("9" * 400)  # float("9" * 400) is inf: int(inf) raises OverflowError
def test_parse_size_raises_only_usage_error(text: str) -> None:
    try:
        size = parse_size(text)
    except UsageError:
        return
    assert isinstance(size, int) and size >= 0


@FAST
@given(st.integers())
def test_parse_size_of_ints(number: int) -> None:
    if number < 0:
        try:
            parse_size(number)
        except UsageError:
            return
        raise AssertionError("a negative size was accepted")
    assert parse_size(number) == number


@FAST
@given(number=st.integers(min_value=0, max_value=10**6), unit=unit,
       space=st.sampled_from(["", " "]))
def test_parse_size_matches_units(number: int, unit: str, space: str) -> None:
    assert parse_size(f"{number}{space}{unit}") == number * _UNITS[unit.lower()]


@pytest.mark.slow
@FAST
@given(a=st.integers(min_value=0, max_value=10**6), b=st.integers(min_value=0, max_value=10**6),
       frac=st.integers(min_value=0, max_value=99), unit=unit)
def test_parse_size_is_monotone(a: int, b: int, frac: int, unit: str) -> None:
    low, high = sorted((a, b))
    assert parse_size(f"{low}{unit}") <= parse_size(f"{low}.{frac:02d}{unit}")
    assert parse_size(f"{low}.{frac:02d}{unit}") <= parse_size(f"{low + 1}{unit}")
    assert parse_size(f"{low}{unit}") <= parse_size(f"{high}{unit}")


@FAST
@given(st.integers(min_value=0, max_value=2**63))
@example(2**53 + 1)  # float loses it: 9007199254740993 became 9007199254740992
def test_parse_size_counts_bytes_exactly(number: int) -> None:
    assert parse_size(str(number)) == number


# ---------------------------------------------------------------- patterns

pattern_text = st.one_of(st.text(max_size=20),
                         st.text(alphabet=list("!#\\/*?[]-^a. \n"), max_size=8))
path_text = st.lists(st.text(alphabet=list("ab.*[]\\ é!#"), min_size=1, max_size=6),
                     min_size=1, max_size=4).map("/".join)


@pytest.mark.slow
@FAST
@given(st.lists(pattern_text, max_size=5), path_text)
@example(["!"], "a")  # pathspec raises GitIgnorePatternError for a lone "!"
@example(["\\"], "a")
@example(["[0-.]"], "[")  # a backwards class range: re.error, not ValueError, on Python 3.10
def test_pattern_set_raises_only_usage_error(patterns: list[str], path: str) -> None:
    try:
        found = PatternSet(patterns, "--exclude")
    except UsageError:
        return
    result = found.match(path)
    assert result is None or result in patterns


@pytest.mark.slow
@FAST
@given(st.binary(max_size=60) | st.lists(pattern_text, max_size=5).map(
    lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")), path_text)
@example(b"!\n", "a")
def test_gitdigestignore_content_never_raises(content: bytes, path: str) -> None:
    """A .gitdigestignore comes from the repository (a remote one, too): whatever it holds,
    the digest must go on, as git does with a line it cannot use."""
    rules = IgnoreFiles.load([".gitdigestignore"], lambda _: content)
    rules.match(path)


# ---------------------------------------------------------------- decoding

legacy = st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=80).map(
    lambda text: text.encode("latin-1"))
boms = st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00",
                        b"\x00\x00\xfe\xff"])


@FAST
@given(st.one_of(st.binary(max_size=200), legacy,
                 st.builds(lambda bom, body: bom + body, boms, st.binary(max_size=40)),
                 st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_decode_never_raises_and_decode_as_agrees(data: bytes) -> None:
    decoded = decode(data)
    if decoded is not None:
        assert decode_as(data, decoded.charset) == decoded.text


# ---------------------------------------------------------------- notebooks

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=20)
cell_keys = st.sampled_from(["cell_type", "source", "outputs", "data", "text", "text/plain",
                             "output_type", "ename", "evalue", "image/png"])
cells = st.recursive(json_values, lambda inner: st.dictionaries(cell_keys, inner, max_size=5),
                     max_leaves=15)


def _notebook(items: list[Any]) -> str:
    return json.dumps({"cells": items, "nbformat": 4})


@pytest.mark.slow
@FAST
@given(st.one_of(st.text(max_size=80), json_values.map(json.dumps),
                 st.lists(cells, max_size=5).map(_notebook),
                 st.integers(min_value=0, max_value=5000).map(lambda n: "[" * n + "]" * n)),
       st.booleans())
@example("[" * 5000, False)  # json.loads raises RecursionError, not ValueError
def test_notebook_to_text_never_raises(text: str, outputs: bool) -> None:
    result = notebook_to_text(text, outputs=outputs)
    assert result is None or isinstance(result, str)


def test_errors_here_are_exit_2() -> None:
    """The refusals above are the ones the CLI prints as one line with exit code 2."""
    assert issubclass(UsageError, GitDigestError) and UsageError.exit_code == 2
    assert SourceNotFound.exit_code == 2
