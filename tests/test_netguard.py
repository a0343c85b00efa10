"""The server-side source policy: addresses, schemes, local roots, and a pinned connection
checked against a real git server on loopback."""

from __future__ import annotations

import ipaddress
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import gitdigest
from gitdigest.sources.netguard import NetworkPolicy, SourceRefused, is_public, split_host

from .conftest import write_files
from .gitserver import GitHTTPServer, make_bare


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
    "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "ff02::1",
    # IPv6 forms that embed a private or loopback IPv4 address: compatible, 6to4, NAT64
    # (well-known and local-use), Teredo (client 127.0.0.1, obfuscated)
    "::127.0.0.1", "::10.0.0.1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101::",
    "64:ff9b:1::7f00:1", "2001:0:4136:e378:8000:63bf:80ff:fffe",
])
def test_local_and_private_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "140.82.112.3", "2606:4700::1111",
                                     "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
                                     "2a00:1450:4001:80b::200e"])
def test_public_addresses_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def _resolving(*addresses: str) -> NetworkPolicy:
    return NetworkPolicy(resolver=lambda host, port: list(addresses))


@pytest.mark.parametrize("scheme", ["file", "ssh", "git"])
def test_only_http_schemes_pass(scheme: str) -> None:
    with pytest.raises(SourceRefused, match=f"{scheme}://"):
        _resolving("8.8.8.8").pin(scheme, "example.com")


def test_a_host_with_any_private_address_is_refused() -> None:
    with pytest.raises(SourceRefused, match=r"10.0.0.5, a private or local address"):
        _resolving("140.82.112.3", "10.0.0.5").pin("https", "git.example.com")


def test_a_public_host_is_pinned_to_the_addresses_checked() -> None:
    config = dict(_resolving("140.82.112.3", "2606:4700::1111").pin("https", "Git.example.com"))
    assert config["http.curloptResolve"] == "Git.example.com:443:140.82.112.3,[2606:4700::1111]"
    assert config["http.followRedirects"] == "false"


def test_an_address_literal_is_checked_as_written_and_not_pinned() -> None:
    """A literal needs no lookup (git connects to it as written), and curl's resolve list
    cannot spell an IPv6 host: the pin made every IPv6 literal fail under a policy."""
    never = NetworkPolicy(resolver=lambda host, port: pytest.fail("looked up a literal"))
    assert dict(never.pin("https", "[2606:4700::1111]")) == {"http.followRedirects": "false"}
    assert dict(never.pin("http", "140.82.112.3:8080")) == {"http.followRedirects": "false"}
    for host in ("[::127.0.0.1]", "[2002:7f00:1::]", "[::ffff:7f00:1]", "[64:ff9b::a9fe:a9fe]",
                 "127.0.0.1", "[::1]"):
        with pytest.raises(SourceRefused, match="private or local address"):
            never.pin("https", host)
    allowed = NetworkPolicy(allow_private=True, resolver=never.resolver)
    assert dict(allowed.pin("http", "[::1]:8080")) == {"http.followRedirects": "false"}


def test_an_allowed_host_skips_the_address_check() -> None:
    policy = NetworkPolicy(allow_hosts=frozenset({"127.0.0.1"}),
                           resolver=lambda host, port: ["127.0.0.1"])
    assert dict(policy.pin("http", "127.0.0.1:8080")) == {"http.followRedirects": "false"}
    with pytest.raises(SourceRefused):
        policy.pin("http", "localhost:8080")


@pytest.mark.parametrize(("host", "expected"), [
    ("example.com", ("example.com", 443)), ("example.com:8443", ("example.com", 8443)),
    ("[::1]:9000", ("::1", 9000)), ("[::1]", ("::1", 443)),
])
def test_split_host(host: str, expected: tuple[str, int]) -> None:
    assert split_host(host, 443) == expected


def test_local_sources_only_inside_the_roots(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "repo").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (root / "escape").symlink_to(tmp_path / "outside")
    policy = NetworkPolicy(local_roots=(root,))
    assert policy.check_local(root / "repo") == (root / "repo").resolve()
    with pytest.raises(SourceRefused, match=r"outside the allowed folders"):
        policy.check_local(root / "escape")
    with pytest.raises(SourceRefused, match=r"outside the allowed folders"):
        policy.check_local(root / ".." / "outside")
    with pytest.raises(SourceRefused, match=r"local folders are not allowed"):
        NetworkPolicy().check_local(root / "repo")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHTTPServer]:
    work = tmp_path_factory.mktemp("work")
    write_files(work, {"app.py": "print('hi')\n"})
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "one"]):
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid",
                        *args], cwd=work, check=True)
    root = tmp_path_factory.mktemp("served")
    make_bare(root, "owner/repo.git", work)
    with GitHTTPServer(root, "token") as http:
        yield http


@pytest.mark.server
def test_a_loopback_server_is_refused_unless_allowed(server: GitHTTPServer) -> None:
    url = f"{server.url}/owner/repo.git"
    with pytest.raises(SourceRefused, match=r"127.0.0.1 is a private or local address"):
        gitdigest.digest(url, policy=NetworkPolicy(), cache=False)
    assert server.requests == []  # refused before any connection
    allowed = NetworkPolicy(allow_hosts=frozenset({"127.0.0.1"}))
    assert [d.path for d in gitdigest.digest(url, policy=allowed, cache=False).files] == [
        "app.py"]


@pytest.mark.server
def test_git_connects_to_the_pinned_address(server: GitHTTPServer) -> None:
    # ".invalid" never resolves in DNS: the clone succeeds only through the pinned address
    policy = NetworkPolicy(allow_private=True, resolver=lambda host, port: ["127.0.0.1"])
    url = f"http://pinned.invalid:{server.port}/owner/repo.git"
    result = gitdigest.digest(url, policy=policy, cache=False)
    assert [d.path for d in result.files] == ["app.py"]


def test_file_urls_and_local_folders_are_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, {"owner/repo/a.py": "a\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceRefused, match=r"file://"):
        gitdigest.digest(f"file://{tmp_path}/owner/repo", policy=NetworkPolicy())
    with pytest.raises(SourceRefused, match=r"local folders are not allowed"):
        gitdigest.digest(str(tmp_path / "owner"), policy=NetworkPolicy())
    # "owner/repo" exists here, but a server without local roots reads it as a GitHub slug
    refused = NetworkPolicy(resolver=lambda host, port: ["10.0.0.1"])
    with pytest.raises(SourceRefused, match=r"github.com resolves to 10.0.0.1"):
        gitdigest.digest("owner/repo", policy=refused)
