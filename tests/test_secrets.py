"""Secret detection and redaction with the real Kingfisher scanner, offline.

Every secret below is fake: built at run time from a seeded random generator, so this file
holds no credential (and no literal that a scanner would flag).
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import random
import shutil
import string
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gitdigest.core.errors import GitDigestError
from gitdigest.read import secrets
from gitdigest.read.secrets import Finding, SecretScanError

ALNUM = string.ascii_letters + string.digits
_random = random.Random(20240601)


def pick(alphabet: str, count: int) -> str:
    return "".join(_random.choice(alphabet) for _ in range(count))


def base62(number: int, width: int) -> str:
    digits = string.digits + string.ascii_letters
    out = ""
    for _ in range(width):
        number, digit = divmod(number, 62)
        out = digits[digit] + out
    return out


def github_token() -> str:
    """A classic personal access token: prefix, 30 random characters, CRC32 in base62."""
    body = pick(ALNUM, 30)
    return "gh" + "p_" + body + base62(zlib.crc32(body.encode()), 6)


AWS_KEY_ID = "AK" + "IA" + pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
AWS_SECRET = pick(ALNUM + "+/", 40)
GITHUB = github_token()
SLACK = "-".join(["xo" + "xb", pick(string.digits, 12), pick(string.digits, 13), pick(ALNUM, 24)])
STRIPE = "sk" + "_live_" + pick(ALNUM, 24)


def private_key(kind: str = "RSA PRIVATE KEY", size: int = 1190) -> str:
    body = base64.b64encode(bytes(_random.randrange(256) for _ in range(size))).decode()
    return (f"-----BEGIN {kind}-----\n" + "\n".join(textwrap.wrap(body, 64))
            + f"\n-----END {kind}-----\n")


@pytest.fixture(scope="session", autouse=True)
def rule_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Compile the rules once per session into a private cache that subprocesses reuse
    (a cache named by ``$KF_RULE_CACHE_DIR`` is used instead, to skip the ~5 s compile)."""
    preset = os.environ.get("KF_RULE_CACHE_DIR")
    folder = Path(preset) if preset else tmp_path_factory.mktemp("kingfisher-rules")
    secrets.load(cache_dir=folder)
    yield folder


def spans(text: str, findings: list[Finding]) -> list[tuple[str, str, int]]:
    return [(f.rule, text[f.start:f.end], f.line) for f in findings]


def test_aws_key_pair() -> None:
    text = (f"[default]\naws_access_key_id = {AWS_KEY_ID}\n"
            f"aws_secret_access_key = {AWS_SECRET}\nregion = eu-west-1\n")
    findings = secrets.scan(text, "config/credentials")
    assert spans(text, findings) == [("aws-access-token", AWS_KEY_ID, 2),
                                     ("aws-secret-access-key", AWS_SECRET, 3)]
    assert secrets.redact(text, findings) == (
        "[default]\naws_access_key_id = [REDACTED:aws-access-token]\n"
        "aws_secret_access_key = [REDACTED:aws-secret-access-key]\nregion = eu-west-1\n")
    assert not secrets.only_secret(text, findings)


def test_github_token_in_code_keeps_everything_else() -> None:
    text = f'import os\n\n\nTOKEN = "{GITHUB}"  # do not commit\nprint(TOKEN)\n'
    findings = secrets.scan(text, "src/app.py")
    assert findings == [Finding(4, "github-pat", text.index(GITHUB),
                                text.index(GITHUB) + len(GITHUB))]
    redacted = secrets.redact(text, findings)
    assert redacted == text.replace(GITHUB, "[REDACTED:github-pat]")
    assert redacted.encode() == (text[:findings[0].start].encode() + b"[REDACTED:github-pat]"
                                 + text[findings[0].end:].encode())


@pytest.mark.parametrize("kind", ["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY"])
def test_private_key_file_is_only_a_secret(kind: str) -> None:
    text = private_key(kind)
    findings = secrets.scan(text, "deploy/id_rsa")
    assert [f.rule for f in findings] == ["private-key"]
    assert findings[0].line == 1
    assert secrets.only_secret(text, findings)
    assert secrets.apply(text, "deploy/id_rsa") == (None, findings)


def test_private_key_inside_a_larger_file_is_redacted_not_withheld() -> None:
    key = private_key()
    text = f"# how to deploy\n\nKEY = '''\n{key}'''\n\nconnect(KEY)\n"
    findings = secrets.scan(text, "deploy.py")
    assert [(f.rule, f.line) for f in findings] == [("private-key", 4)]
    assert not secrets.only_secret(text, findings)
    kept, reported = secrets.apply(text, "deploy.py")
    assert reported == findings
    assert kept == text.replace(key.rstrip("\n"), "[REDACTED:private-key]")


def test_env_file_values_redacted_names_kept() -> None:
    text = (f"# local settings\nDEBUG=1\nSLACK_BOT_TOKEN={SLACK}\nSTRIPE_KEY={STRIPE}\n"
            f"GITHUB_TOKEN={GITHUB}\nAPP_NAME=demo\n")
    findings = secrets.scan(text, ".env")
    assert spans(text, findings) == [("slack-bot-token", SLACK, 3),
                                     ("stripe-access-token", STRIPE, 4),
                                     ("github-pat", GITHUB, 5)]
    kept, reported = secrets.apply(text, ".env")
    assert reported == findings
    assert kept == ("# local settings\nDEBUG=1\nSLACK_BOT_TOKEN=[REDACTED:slack-bot-token]\n"
                    "STRIPE_KEY=[REDACTED:stripe-access-token]\n"
                    "GITHUB_TOKEN=[REDACTED:github-pat]\nAPP_NAME=demo\n")
    # a file of nothing but "NAME=secret" still has its names: redacted, not withheld
    single = f"GITHUB_TOKEN={GITHUB}\n"
    assert secrets.apply(single, ".env")[0] == "GITHUB_TOKEN=[REDACTED:github-pat]\n"


def test_non_ascii_text_offsets_are_characters() -> None:
    text = f"# Grüße — ключ 🔑 für 日本語\nnote = 'ça va'\ntoken = '{GITHUB}'  # ✓ 🎉\nend ü\n"
    findings = secrets.scan(text, "notes.py")
    assert spans(text, findings) == [("github-pat", GITHUB, 3)]
    assert secrets.redact(text, findings) == text.replace(GITHUB, "[REDACTED:github-pat]")


def test_lone_surrogates_do_not_crash() -> None:
    raw = b"caf\xe9 \xff\xfe\n" + f"token = '{GITHUB}'\n".encode() + b"\x80 end\n"
    text = raw.decode("utf-8", "surrogateescape") + "\ud800 \udfff x\n"
    findings = secrets.scan(text, "odd.txt")
    assert spans(text, findings) == [("github-pat", GITHUB, 2)]
    assert secrets.redact(text, findings) == text.replace(GITHUB, "[REDACTED:github-pat]")


def test_harmless_high_entropy_strings_are_not_secrets() -> None:
    data = bytes(range(256))
    text = "\n".join([
        "import hashlib, uuid",
        "COMMIT = 'c60c980e561ed3e73101667fe8365c609d19a438'  # frozen: v0.15.9",
        "EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
        "MD5 = 'd41d8cd98f00b204e9800998ecf8427e'",
        "ID = uuid.UUID('123e4567-e89b-12d3-a456-426614174000')",
        f"BLOB = '{base64.b64encode(data).decode()}'",
        f"URLSAFE = '{base64.urlsafe_b64encode(hashlib_digest()).decode()}'",
        "SECRET_KEY = '192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf'",
        "password = 'test'",
        "integrity = 'sha512-" + base64.b64encode(bytes(64)).decode() + "'",
        "",
    ])
    assert secrets.scan(text, "tests/test_data.py") == []
    assert secrets.apply(text, "tests/test_data.py") == (text, [])


def hashlib_digest() -> bytes:
    import hashlib
    return hashlib.sha256(b"gitdigest").digest()


def test_overlapping_findings_are_merged() -> None:
    # A key pair inside Base64 is found twice over the same encoded span: one finding.
    encoded = base64.b64encode(
        f"aws_access_key_id={AWS_KEY_ID}\naws_secret_access_key={AWS_SECRET}\n".encode()).decode()
    text = f"blob = '{encoded}'\n"
    findings = secrets.scan(text, "blob.py")
    assert spans(text, findings) == [("aws-access-token", encoded, 1)]


def test_empty_and_blank_texts() -> None:
    assert secrets.scan("", "a") == []
    assert secrets.scan(" \n\t\n", "a") == []
    assert not secrets.only_secret("", [])
    assert secrets.redact("abc", []) == "abc"


def test_modes() -> None:
    text = f"GITHUB_TOKEN={GITHUB}\n"
    assert secrets.MODES == ("redact", "exclude", "off")
    assert secrets.apply(text, ".env", "off") == (text, [])
    kept, findings = secrets.apply(text, ".env", "exclude")
    assert kept is None and [f.rule for f in findings] == ["github-pat"]
    with pytest.raises(SecretScanError, match="unknown secrets mode"):
        secrets.apply(text, ".env", "loud")
    assert issubclass(SecretScanError, GitDigestError)


def test_short_rule_names() -> None:
    assert secrets.short_rule("betterleaks.github-pat") == "github-pat"
    assert secrets.short_rule("veles.secrets/sendgrid") == "sendgrid"
    assert secrets.short_rule("custom.my rule!") == "my-rule"


def test_findings_never_hold_the_secret() -> None:
    findings = secrets.scan(f"t = '{GITHUB}'\n", "a.py")
    assert findings and GITHUB not in repr(findings)


def test_scanner_errors_become_gitdigest_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_scanner", None)
    monkeypatch.setitem(sys.modules, "kingfisher_sdk", None)  # as if not installed
    with pytest.raises(SecretScanError, match="kingfisher-secret-scanner"):
        secrets.scan("x = 1\n", "a.py")


def run_python(code: str, rule_cache: Path, *prefix: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KF_RULE_CACHE_DIR": str(rule_cache)}
    return subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_load_in_background_hands_errors_to_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets.load_in_background()()  # already loaded: returns at once
    monkeypatch.setattr(secrets, "_scanner", None)
    monkeypatch.setitem(sys.modules, "kingfisher_sdk", None)
    wait = secrets.load_in_background()
    with pytest.raises(SecretScanError, match="kingfisher-secret-scanner"):
        wait()


def test_importing_does_not_load_the_scanner(rule_cache: Path) -> None:
    code = ("import sys, gitdigest, gitdigest.read.secrets\n"
            "print('kingfisher_sdk' in sys.modules)\n")
    result = run_python(code, rule_cache)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "False\n"


SCAN_IN_SUBPROCESS = """
import json, sys
from gitdigest.read import secrets
token = sys.argv[1] if len(sys.argv) > 1 else {token!r}
text = "# config\\nTOKEN = '" + token + "'\\n"
print(json.dumps([[f.rule, f.line, text[f.start:f.end] == token]
                  for f in secrets.scan(text, "config.py")]))
"""


@pytest.mark.slow
def test_scanning_makes_no_network_connection(rule_cache: Path) -> None:
    code = """
import socket

def refuse(*args, **kwargs):
    raise AssertionError("network used")

socket.socket = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
socket.gethostbyname = refuse
""" + SCAN_IN_SUBPROCESS.format(token=GITHUB)
    result = run_python(code, rule_cache)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["github-pat", 2, True]]


@pytest.mark.skipif(shutil.which("strace") is None or not sys.platform.startswith("linux"),
                    reason="needs strace")
def test_no_network_system_calls_at_all(rule_cache: Path, tmp_path: Path) -> None:
    """The native code could bypass Python's socket module: strace sees every socket call.
    Python's own start-up makes none, so any socket() or connect() is the scanner's."""
    log = tmp_path / "strace.log"
    result = run_python(SCAN_IN_SUBPROCESS.format(token=GITHUB), rule_cache,
                        "strace", "-f", "-qq", "-e", "trace=%network", "-o", str(log))
    if result.returncode != 0 and "ptrace" in result.stderr.lower():
        pytest.skip("ptrace is not permitted here")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["github-pat", 2, True]]
    assert log.read_text() == ""


def scan_in_child(text: str) -> list[Finding]:
    return secrets.scan(text, "child.py")


def test_scanner_built_before_fork_works_in_children() -> None:
    secrets.load()  # built in this (parent) process, as the pipeline does
    texts = [f"a = '{github_token()}'\n", "b = 2\n", f"GITHUB_TOKEN={GITHUB}\n" * 3]
    expected = [secrets.scan(text, "child.py") for text in texts]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(scan_in_child, texts) == expected
    assert [len(found) for found in expected] == [1, 0, 3]


def test_the_direct_native_call_finds_what_the_public_call_finds(rule_cache: Path) -> None:
    import types

    import kingfisher_sdk

    scanner = kingfisher_sdk.DetectionScanner(
        kingfisher_sdk.Rules(confidence="medium", cache_dir=rule_cache), inline_ignores=False)
    direct = secrets._scan_function(scanner, kingfisher_sdk.ScanInput)
    # an object without the SDK's insides: the public call, the way a later SDK would take
    public = secrets._scan_function(types.SimpleNamespace(scan_input=scanner.scan_input),
                                    kingfisher_sdk.ScanInput)
    texts = {"config/credentials": f"aws_access_key_id = {AWS_KEY_ID}\n"
                                   f"aws_secret_access_key = {AWS_SECRET}\n",
             "src/app.py": f'TOKEN = "{GITHUB}"\nSLACK = "{SLACK}"\n',
             "billing.py": f"stripe.api_key = '{STRIPE}'\n",
             "id_rsa": private_key(), ".env": f"GITHUB_TOKEN={GITHUB}\n", "x.py": "x = 1\n"}

    def seen(scan: Callable[[str, bytes], list[Any]], path: str) -> list[tuple[Any, ...]]:
        return sorted((f.rule_id, sorted(f.location.items()), f.visible)
                      for f in scan(path, texts[path].encode()))

    found = {path: seen(direct, path) for path in texts}
    assert found == {path: seen(public, path) for path in texts}
    assert sum(map(len, found.values())) >= 6 and found["x.py"] == []


# --- every text is scanned, whatever its path ------------------------------------------------

#: paths Kingfisher skips outright when it is given them (images, lockfiles, vendored code)
SKIPPED_BY_KINGFISHER = ["logo.svg", "img/a.PNG", "font.woff2", "package-lock.json",
                         "poetry.lock", "yarn.lock", "pnpm-lock.yaml", "go.sum", "go.mod",
                         "node_modules/x.js", "vendor/github.com/a/b.go", "gradlew",
                         "jquery.min.js", "venv/lib/site.py", "a-1.0.dist-info/METADATA"]


def native_scan(path: str, text: str) -> list[Any]:
    """What Kingfisher itself finds when told ``path``."""
    return list(secrets._get()(path, text.encode()))


@pytest.mark.parametrize("path", SKIPPED_BY_KINGFISHER)
def test_a_path_kingfisher_skips_is_scanned_all_the_same(path: str) -> None:
    text = f'token = "{GITHUB}"\n'
    assert native_scan(path, text) == []  # the gap: given the real path, Kingfisher skips
    assert [f.rule for f in secrets.scan(text, path)] == ["github-pat"]
    assert secrets.apply(text, path, "exclude")[0] is None


def test_the_scan_name_keeps_only_what_rules_read() -> None:
    assert secrets.scan_name("node_modules/pkg/index.js") == secrets.NEUTRAL_NAME
    assert secrets.scan_name("logo.svg") == secrets.NEUTRAL_NAME
    assert secrets.scan_name("deploy/k8s/secret.YAML") == secrets.NEUTRAL_NAME + ".yaml"
    assert secrets.scan_name("pnpm-lock.yaml") == secrets.NEUTRAL_NAME + ".yaml"
    assert secrets.scan_name("docs/index.md") == secrets.NEUTRAL_NAME + ".md"
    assert secrets.scan_name(".env.example") == secrets.NEUTRAL_NAME + ".example"
    assert secrets.scan_name(".env") == secrets.NEUTRAL_NAME
    assert secrets.scan_name("src/NuGet.Config") == "nuget.config"


def test_no_name_we_pass_is_one_kingfisher_skips() -> None:
    names = {secrets.NEUTRAL_NAME, *secrets._MEANINGFUL_NAMES,
             *(secrets.NEUTRAL_NAME + suffix for suffix in secrets._MEANINGFUL_SUFFIXES)}
    text = f'token = "{GITHUB}"\n'
    assert [name for name in sorted(names) if not native_scan(name, text)] == []


def test_every_rule_bound_to_a_path_still_sees_one_it_accepts(rule_cache: Path) -> None:
    """A rule that needs a file name (``.tf``, ``.yaml``, ``nuget.config``) must still get a
    name it accepts; only the Bitwarden CLI's data file (never in a repository) is given up."""
    import re

    import kingfisher_sdk

    rules = kingfisher_sdk.Rules(confidence="medium", cache_dir=rule_cache)
    names = [*secrets._MEANINGFUL_NAMES,
             *(secrets.NEUTRAL_NAME + suffix for suffix in secrets._MEANINGFUL_SUFFIXES)]
    unserved = []
    for rule in rules.metadata():
        pattern = rules.detail(rule["id"]).get("path")
        if pattern and not any(re.search(pattern, name) for name in names):
            unserved.append(rule["id"])
    assert unserved == ["veles.secrets/bitwardenoauth2access"]


def test_a_kubernetes_secret_is_still_found_by_its_yaml_rule() -> None:
    value = base64.b64encode(f"pw-{pick(ALNUM, 24)}".encode()).decode()
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\n"
            f"data:\n  password: {value}\n")
    for path in ("deploy/secret.yaml", "pnpm-lock.yaml"):
        assert "kubernetes-secret-yaml" in {f.rule for f in secrets.scan(text, path)}


# --- AWS access key ids ----------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "AWS_ACCESS_KEY_ID={id}\n", "key = '{id}'\n", "{id}\n", "creds = ('{id}', 'x')\n",
    "# ключ: {id} — см. выше\n"])
def test_an_aws_key_id_alone_is_redacted(line: str) -> None:
    text = "x = 1\n" + line.format(id=AWS_KEY_ID)
    assert native_scan("a.py", text) == []  # Kingfisher wants its secret beside it
    findings = secrets.scan(text, "a.py")
    assert spans(text, findings) == [("aws-access-token", AWS_KEY_ID, 2)]
    assert AWS_KEY_ID not in secrets.redact(text, findings)


def test_a_temporary_key_id_and_an_id_beside_its_secret_in_code() -> None:
    temporary = "AS" + "IA" + AWS_KEY_ID[4:]
    text = f"session = ('{temporary}', '{AWS_SECRET}')\nAWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"
    redacted = secrets.redact(text, secrets.scan(text, "a.py"))
    assert temporary not in redacted and AWS_KEY_ID not in redacted


def test_aws_documentation_ids_and_longer_words_are_left_alone() -> None:
    text = ("AK" + "IAIOSFODNN7EXAMPLE\n" + "X" + AWS_KEY_ID + "\n" + AWS_KEY_ID + "Z\n"
            + AWS_KEY_ID.lower() + "\n")
    assert secrets.scan(text, "a.py") == []


# --- many short texts at once ----------------------------------------------------------------

def test_scan_each_gives_each_text_its_own_findings() -> None:
    texts = ["src/app.py", f"{GITHUB}.txt", "", f"fix: rotate {AWS_KEY_ID}", "docs/x.md"]
    found = secrets.scan_each(texts)
    assert [[(f.rule, t[f.start:f.end], f.line) for f in hits]
            for t, hits in zip(texts, found, strict=True)] == [
        [], [("github-pat", GITHUB, 1)], [], [("aws-access-token", AWS_KEY_ID, 1)], []]
    assert secrets.scan_each([]) == []


def test_a_warm_cache_from_before_the_neutral_names_is_not_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts cached when the scanner skipped ``logo.svg`` by its path said "no secret": the
    engine's name (part of the cache key) changed with what is scanned, so they miss."""
    from gitdigest.api import digest

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "logo.svg").write_text(f"<svg><!-- {GITHUB} --></svg>\n")
    old = secrets.engine()
    monkeypatch.setattr(secrets, "_OWN_RULES", "")  # the engine as it was named before
    monkeypatch.setattr(secrets, "scan_name", lambda path: path)  # and what it did then
    assert GITHUB in digest(str(repo), cache=True).render("text")
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shown = digest(str(repo), cache=True).render("text")
    assert GITHUB not in shown and "[REDACTED:github-pat]" in shown
    assert secrets.engine() == old
