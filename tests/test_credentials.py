"""Which token goes to which host: the pure decision, table-driven (the end-to-end header
checks are in tests/security/test_token_hosts.py)."""

from __future__ import annotations

import base64

import pytest

from gitdigest.sources.credentials import (
    bare_host,
    credentials_for,
    env_token,
    same_origin,
    token_hosts,
)
from gitdigest.sources.urls import parse_remote

T = "tok-123"


def _sent(url: str, env: dict[str, str], explicit: str | None = None, *,
          server: bool = False) -> str | None:
    """The password git would send to ``url``, or None."""
    header = credentials_for(parse_remote(url), env, explicit, server=server).header
    if header is None:
        return None
    return base64.b64decode(header.split()[-1]).decode().partition(":")[2]


@pytest.mark.parametrize(("url", "env", "sent"), [
    # host variables: their own host, https, exact name only
    ("https://github.com/o/r", {"GITHUB_TOKEN": T}, T),
    ("https://github.com/o/r", {"GH_TOKEN": T}, T),
    ("https://GitHub.com/o/r", {"GITHUB_TOKEN": T}, T),
    ("http://github.com/o/r", {"GITHUB_TOKEN": T}, None),  # never in clear text
    ("https://api.github.com/o/r", {"GITHUB_TOKEN": T}, None),
    ("https://github.com.attacker.example/o/r", {"GITHUB_TOKEN": T}, None),
    ("https://example.org/o/r", {"GITHUB_TOKEN": T}, None),
    ("https://gitlab.com/g/p", {"GITLAB_TOKEN": T}, T),
    ("https://gitlab.attacker.example/g/p", {"GITLAB_TOKEN": T}, None),
    ("https://my-gitlab.example/g/p", {"GITLAB_TOKEN": T}, None),
    ("https://github.com/o/r", {"GITLAB_TOKEN": T}, None),
    # the default https port only: another port may be anyone's service
    ("https://github.com:443/o/r", {"GITHUB_TOKEN": T}, T),
    ("https://github.com:8443/o/r", {"GITHUB_TOKEN": T}, None),
    ("https://gitlab.com:4443/g/p", {"GITLAB_TOKEN": T}, None),
    # GitLab CI: its own server too
    ("https://git.corp.example/g/p", {"GITLAB_TOKEN": T, "GITLAB_CI": "true",
                                      "CI_SERVER_HOST": "git.corp.example"}, T),
    ("https://git.corp.example/g/p", {"GITLAB_TOKEN": T,
                                      "CI_SERVER_HOST": "git.corp.example"}, None),
    ("https://git.corp.example:8443/g/p", {"GITLAB_TOKEN": T, "GITLAB_CI": "true",
                                           "CI_SERVER_HOST": "git.corp.example"}, None),
    ("https://git.corp.example:8443/g/p", {"GITLAB_TOKEN": T, "GITLAB_CI": "true",
                                           "CI_SERVER_HOST": "git.corp.example",
                                           "CI_SERVER_PORT": "8443"}, T),
    ("https://git.corp.example/g/p", {"GITLAB_TOKEN": T, "GITLAB_CI": "true",
                                      "CI_SERVER_HOST": "git.corp.example",
                                      "CI_SERVER_PORT": "8443"}, None),
    ("https://other.example/g/p", {"GITLAB_TOKEN": T, "GITLAB_CI": "true",
                                   "CI_SERVER_HOST": "git.corp.example"}, None),
    # GITDIGEST_TOKEN: only the hosts listed, exact, any case, port ignored
    ("https://git.corp.example/o/r", {"GITDIGEST_TOKEN": T}, None),
    ("https://git.corp.example/o/r", {"GITDIGEST_TOKEN": T,
                                      "GITDIGEST_TOKEN_HOSTS": "Git.Corp.Example"}, T),
    ("https://git.corp.example:8443/o/r", {"GITDIGEST_TOKEN": T,
                                           "GITDIGEST_TOKEN_HOSTS": "git.corp.example"}, T),
    ("http://10.0.0.7/o/r", {"GITDIGEST_TOKEN": T, "GITDIGEST_TOKEN_HOSTS": "10.0.0.7"}, T),
    ("http://[::1]:8080/o/r", {"GITDIGEST_TOKEN": T, "GITDIGEST_TOKEN_HOSTS": "::1"}, T),
    ("https://corp.example/o/r", {"GITDIGEST_TOKEN": T,
                                  "GITDIGEST_TOKEN_HOSTS": "git.corp.example"}, None),
    ("https://git.corp.example.attacker.example/o/r",
     {"GITDIGEST_TOKEN": T, "GITDIGEST_TOKEN_HOSTS": "git.corp.example"}, None),
    ("https://github.com/o/r", {"GITDIGEST_TOKEN": "bound", "GITHUB_TOKEN": T,
                                "GITDIGEST_TOKEN_HOSTS": "github.com"}, "bound"),
    # a URL's own password goes to that URL's host
    ("https://me:pw@git.corp.example/o/r", {}, "pw"),
    ("ssh://git@github.com/o/r", {"GITHUB_TOKEN": T}, None),
])
def test_a_token_goes_only_to_its_host(url: str, env: dict[str, str], sent: str | None
                                       ) -> None:
    assert _sent(url, env) == sent


def test_an_explicit_token_goes_to_the_source_it_was_given_with() -> None:
    assert _sent("http://anything.example/o/r", {"GITHUB_TOKEN": T}, "given") == "given"
    assert _sent("ssh://anything.example/o/r", {}, "given") is None


def test_servers_use_only_tokens_bound_by_the_operator() -> None:
    env = {"GITHUB_TOKEN": T, "GITLAB_TOKEN": T, "GITDIGEST_TOKEN": "bound",
           "GITDIGEST_TOKEN_HOSTS": "git.corp.example"}
    assert _sent("https://github.com/o/r", env, server=True) is None
    assert _sent("https://gitlab.com/g/p", env, server=True) is None
    assert _sent("https://git.corp.example/o/r", env, server=True) == "bound"
    assert _sent("https://evil.example/o/r", env, server=True) is None
    assert _sent("https://evil.example/o/r", env, "header", server=True) == "header"


def test_a_withheld_variable_is_named_for_the_error_message() -> None:
    assert env_token("https", "x.example", {"GITDIGEST_TOKEN": T}) == (None, "GITDIGEST_TOKEN")
    assert env_token("http", "github.com", {"GITHUB_TOKEN": T}) == (None, "GITHUB_TOKEN")
    assert env_token("https", "x.example", {}) == (None, None)
    withheld = credentials_for(parse_remote("https://x.example/o/r"), {"GITDIGEST_TOKEN": T})
    assert withheld.token is None and withheld.withheld == "GITDIGEST_TOKEN"
    assert T not in repr(withheld)


def test_user_names_per_host() -> None:
    for url, user in (("https://github.com/o/r", "x-access-token"),
                      ("https://gitlab.com/g/p", "oauth2"),
                      ("https://gitlab.attacker.example/g/p", "git")):
        header = credentials_for(parse_remote(url), {}, T).header
        assert header is not None
        assert base64.b64decode(header.split()[-1]).decode() == f"{user}:{T}"


def test_token_hosts_and_bare_hosts() -> None:
    assert token_hosts({"GITDIGEST_TOKEN_HOSTS": " A.example,,b.example. , ::1,[fe80::1]"}) \
        == frozenset({"a.example", "b.example", "[::1]", "[fe80::1]"})
    assert token_hosts({}) == frozenset()
    assert [bare_host(h) for h in ("Git.Example:8443", "[::1]:80", "[::1]", "x")] == \
        ["git.example", "[::1]", "[::1]", "x"]


def test_same_origin_is_scheme_host_and_port() -> None:
    base = parse_remote("https://git.example/o/r")
    assert same_origin(base, parse_remote("https://GIT.example/o/other"))
    assert not same_origin(base, parse_remote("http://git.example/o/other"))
    assert not same_origin(base, parse_remote("https://git.example:8443/o/other"))
    assert not same_origin(base, parse_remote("https://elsewhere.example/o/r"))
