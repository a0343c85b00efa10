"""URL parsing: a pure function, every host and route shape people paste."""

from __future__ import annotations

import pytest

from gitdigest import UsageError
from gitdigest.sources.urls import (
    has_credentials,
    looks_remote,
    parse_remote,
    split_tail,
    strip_credentials,
)

# (input, clone_url, host, repo, route, tail)
CASES = [
    # GitHub
    ("https://github.com/owner/repo", "https://github.com/owner/repo", "github.com", "owner/repo", None, ""),
    ("https://github.com/owner/repo.git", "https://github.com/owner/repo.git", "github.com", "owner/repo.git", None, ""),
    ("https://github.com/owner/repo/", "https://github.com/owner/repo", "github.com", "owner/repo", None, ""),
    ("https://github.com/Owner/Repo?tab=readme#top", "https://github.com/Owner/Repo", "github.com", "Owner/Repo", None, ""),
    ("https://github.com/owner/repo/tree/main", "https://github.com/owner/repo", "github.com", "owner/repo", "tree", "main"),
    ("https://github.com/owner/repo/tree/feature/deep/x/src/lib", "https://github.com/owner/repo", "github.com", "owner/repo", "tree", "feature/deep/x/src/lib"),
    ("https://github.com/owner/repo/blob/v1.0/README.md", "https://github.com/owner/repo", "github.com", "owner/repo", "blob", "v1.0/README.md"),
    ("https://github.com/owner/repo/commit/0123456789abcdef0123456789abcdef01234567", "https://github.com/owner/repo", "github.com", "owner/repo", "commit", "0123456789abcdef0123456789abcdef01234567"),
    ("https://github.com/owner/repo/issues/12", "https://github.com/owner/repo", "github.com", "owner/repo", None, ""),
    ("https://GitHub.com/owner/repo", "https://github.com/owner/repo", "github.com", "owner/repo", None, ""),
    ("http://github.com/owner/repo", "http://github.com/owner/repo", "github.com", "owner/repo", None, ""),
    ("github.com/owner/repo", "https://github.com/owner/repo", "github.com", "owner/repo", None, ""),
    ("github.com/owner/repo/tree/dev/docs", "https://github.com/owner/repo", "github.com", "owner/repo", "tree", "dev/docs"),
    ("owner/repo", "https://github.com/owner/repo", "github.com", "owner/repo", None, ""),
    ("Owner-Name/repo.name", "https://github.com/Owner-Name/repo.name", "github.com", "Owner-Name/repo.name", None, ""),
    ("https://github.com/owner/repo/tree/main?x=1#L3", "https://github.com/owner/repo", "github.com", "owner/repo", "tree", "main"),
    ("https://github.com/owner/repo/tree/a%20b/c", "https://github.com/owner/repo", "github.com", "owner/repo", "tree", "a b/c"),
    # GitLab, nested groups
    ("https://gitlab.com/group/project", "https://gitlab.com/group/project", "gitlab.com", "group/project", None, ""),
    ("https://gitlab.com/group/sub/project", "https://gitlab.com/group/sub/project", "gitlab.com", "group/sub/project", None, ""),
    ("https://gitlab.com/group/sub/project/-/tree/main/pkg", "https://gitlab.com/group/sub/project", "gitlab.com", "group/sub/project", "tree", "main/pkg"),
    ("https://gitlab.com/group/sub/project/-/blob/v2/src/a.py", "https://gitlab.com/group/sub/project", "gitlab.com", "group/sub/project", "blob", "v2/src/a.py"),
    ("https://gitlab.com/a/b/c/d/-/commit/abcdef1", "https://gitlab.com/a/b/c/d", "gitlab.com", "a/b/c/d", "commit", "abcdef1"),
    ("https://gitlab.example.org/team/project.git", "https://gitlab.example.org/team/project.git", "gitlab.example.org", "team/project.git", None, ""),
    ("https://gitlab.com/group/sub/project/-/issues", "https://gitlab.com/group/sub/project", "gitlab.com", "group/sub/project", None, ""),
    # Bitbucket
    ("https://bitbucket.org/team/repo", "https://bitbucket.org/team/repo", "bitbucket.org", "team/repo", None, ""),
    ("https://bitbucket.org/team/repo/src/main/docs", "https://bitbucket.org/team/repo", "bitbucket.org", "team/repo", "tree", "main/docs"),
    ("https://bitbucket.org/team/repo/src/0123abc/", "https://bitbucket.org/team/repo", "bitbucket.org", "team/repo", "tree", "0123abc"),
    # Gitea, Forgejo, Codeberg
    ("https://codeberg.org/user/repo/src/branch/main/lib", "https://codeberg.org/user/repo", "codeberg.org", "user/repo", "tree", "main/lib"),
    ("https://codeberg.org/user/repo/src/tag/v1.2.3", "https://codeberg.org/user/repo", "codeberg.org", "user/repo", "tree", "v1.2.3"),
    ("https://codeberg.org/user/repo/src/commit/abcdef0123/x.py", "https://codeberg.org/user/repo", "codeberg.org", "user/repo", "commit", "abcdef0123/x.py"),
    ("https://git.example.com/org/repo/src/branch/feature/x/y", "https://git.example.com/org/repo", "git.example.com", "org/repo", "tree", "feature/x/y"),
    # self-hosted, loopback and ports
    ("http://127.0.0.1:8080/owner/repo", "http://127.0.0.1:8080/owner/repo", "127.0.0.1:8080", "owner/repo", None, ""),
    ("http://localhost:3000/owner/repo/tree/main", "http://localhost:3000/owner/repo", "localhost:3000", "owner/repo", "tree", "main"),
    ("https://git.internal/one/two/three", "https://git.internal/one/two/three", "git.internal", "one/two/three", None, ""),
    # ssh, scp-style, git://, file://
    ("ssh://git@github.com/owner/repo.git", "ssh://git@github.com/owner/repo.git", "github.com", "owner/repo.git", None, ""),
    ("ssh://git@example.com:2222/owner/repo", "ssh://git@example.com:2222/owner/repo", "example.com:2222", "owner/repo", None, ""),
    ("git@github.com:owner/repo.git", "git@github.com:owner/repo.git", "github.com", "owner/repo.git", None, ""),
    ("git@gitlab.com:group/sub/project.git", "git@gitlab.com:group/sub/project.git", "gitlab.com", "group/sub/project.git", None, ""),
    ("deploy@host.example:repo.git", "deploy@host.example:repo.git", "host.example", "repo.git", None, ""),
    ("git://127.0.0.1:9418/owner/repo", "git://127.0.0.1:9418/owner/repo", "127.0.0.1:9418", "owner/repo", None, ""),
    ("git://example.com/project.git", "git://example.com/project.git", "example.com", "project.git", None, ""),
    ("file:///srv/git/project.git", "file:///srv/git/project.git", "", "srv/git/project.git", None, ""),
]


@pytest.mark.parametrize(("spec", "clone", "host", "repo", "route", "tail"), CASES)
def test_parse(spec: str, clone: str, host: str, repo: str, route: str | None, tail: str) -> None:
    url = parse_remote(spec)
    assert (url.clone_url, url.host, url.repo, url.route, url.tail) == (clone, host, repo, route, tail)
    assert looks_remote(spec)


def test_cases_cover_every_scheme_and_route() -> None:
    parsed = [parse_remote(case[0]) for case in CASES]
    assert {url.scheme for url in parsed} >= {"https", "http", "ssh", "git", "file"}
    assert {url.route for url in parsed} == {None, "tree", "blob", "commit"}


def test_names_and_credentials() -> None:
    url = parse_remote("https://user:s3cret@git.example.com/org/My-Repo.git/tree/main")
    assert url.name == "My-Repo"
    assert url.username == "user" and url.password == "s3cret"
    assert "s3cret" not in url.clone_url and "s3cret" not in url.display


def test_host_option_changes_the_slug_host() -> None:
    assert parse_remote("owner/repo", "gitlab.com").clone_url == "https://gitlab.com/owner/repo"


@pytest.mark.parametrize("spec", ["ftp://example.com/x", "https://example.com/", "ext::sh -c x",
                                  "not a url", "https://"])
def test_rejected(spec: str) -> None:
    with pytest.raises(UsageError):
        parse_remote(spec)


def test_split_tail_longest_first() -> None:
    assert split_tail("feature/x/src") == [("feature/x/src", ""), ("feature/x", "src"),
                                           ("feature", "x/src")]


@pytest.mark.parametrize(("text", "stripped"), [
    ("https://me:pw@host/o/r", "https://***@host/o/r"),
    ("http://TOKEN@host:8080/o/r", "http://***@host:8080/o/r"),
    ("https://me:p@ss@host/o/r", "https://***@host/o/r"),  # git splits at the last @
    ("ssh://u:pw@host/o/r", "ssh://***@host/o/r"),
    ("error at https://a:b@x/y and https://c:d@z/w", "error at https://***@x/y and "
     "https://***@z/w"),
])
def test_credentials_are_stripped_from_urls(text: str, stripped: str) -> None:
    assert has_credentials(text)
    assert strip_credentials(text) == stripped


@pytest.mark.parametrize("text", ["https://host/o/r", "ssh://git@host/o/r", "git@host:o/r",
                                  "https://host/o/r@v1", "owner/repo", "a@b"])
def test_urls_without_credentials_are_left_alone(text: str) -> None:
    assert not has_credentials(text)
    assert strip_credentials(text) == text


def test_an_error_about_a_url_never_shows_its_password() -> None:
    with pytest.raises(UsageError) as error:
        parse_remote("https://me:s3cret@[bad]/o/r")
    assert "s3cret" not in str(error.value) and "https://***@[bad]/o/r" in str(error.value)
