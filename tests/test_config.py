"""Configuration files and environment variables: precedence, validation through the option
declarations, profiles, and a remote repository's configuration (ignored unless trusted)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import load_options
from gitdigest.cli import cli
from gitdigest.config import key_of
from gitdigest.options import Options

from .conftest import MakeRepo
from .gitserver import GitHTTPServer, make_bare


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), env=env)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def origins(text: str) -> dict[str, tuple[str, str]]:
    """``--print-config`` lines as key -> (value, origin)."""
    rows = {}
    for line in text.splitlines()[1:]:
        setting, _, origin = line.partition("  # ")
        key, _, value = setting.partition(" = ")
        rows[key] = (value.strip(), origin)
    return rows


CONFIG = ('max-tokens = 5000\nformat = "markdown"\nexclude = ["docs/"]\ntop = 3\n'
          '[profiles.small]\nmax-tokens = 100\ninclude = "*.py"\n')


def test_precedence_cli_over_environment_over_file_over_default(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n", ".gitdigest.toml": CONFIG})
    code, out, err = run("--print-config", "--top", "7", cwd=root,
                         env={"GITDIGEST_FORMAT": "json", "GITDIGEST_TOP": "9"})
    assert code == 0 and err == ""
    rows = origins(out)
    assert out.splitlines()[0] == "# configuration file: .gitdigest.toml"
    assert rows["top"] == ("7", "command line")
    assert rows["format"] == ('"json"', "environment GITDIGEST_FORMAT")
    assert rows["max-tokens"] == ("5000", ".gitdigest.toml")
    assert rows["exclude"] == ('["docs/"]', ".gitdigest.toml")
    assert rows["max-size"] == ("10485760", "default")
    assert "token" not in rows  # never shown, never configurable
    # every option but the source and the token has a key, named like its long option
    assert set(rows) == {key_of(f) for f in Options.__dataclass_fields__.values()} - {"token"}


def test_config_applies_to_the_digest(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n", "docs/x.md": "x\n", ".gitdigest.toml":
                      'exclude = ["docs/"]\nformat = "json"\noutput = "out/d.json"\n'})
    (root / "out").mkdir()
    code, _, err = run("-q", cwd=root)
    assert code == 0, err
    data = json.loads((root / "out/d.json").read_text())
    assert [f["path"] for f in data["files"]] == [".gitdigest.toml", "a.py"]
    # digesting the folder from elsewhere: file names are relative to the configuration file
    code, _, err = run(str(root), "-q", "-o", "-", cwd=root.parent)
    assert code == 0 and (root / "out/d.json").exists()


def test_pyproject_table_and_which_file_wins(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": '[project]\nname = "x"\n[tool.gitdigest]\ntop = 2\n'})
    assert load_options(str(root), environ={}).top == 2
    (root / ".gitdigest.toml").write_text("top = 4\n")
    assert load_options(str(root), environ={}).top == 4  # .gitdigest.toml wins
    other = make_repo({"pyproject.toml": '[tool.ruff]\nline-length = 90\n'}, name="other")
    assert load_options(str(other), environ={}).top == 5  # no [tool.gitdigest]: defaults


def test_library_keywords_win_and_negated_keys(make_repo: MakeRepo) -> None:
    root = make_repo({".gitdigest.toml": "no-gitignore = true\nmax-size = '2MB'\ntop = 1\n"})
    options = load_options(str(root), environ={"GITDIGEST_TOP": "6"}, max_size="1k")
    assert options.gitignore is False and options.max_size == 1024 and options.top == 6


def test_profiles(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n", "b.md": "b\n", ".gitdigest.toml": CONFIG})
    options = load_options(str(root), profile="small", environ={})
    assert options.max_tokens == 100 and options.include == ("*.py",)
    assert options.format == "markdown"  # from the top table, under the profile
    code, out, _ = run("--print-config", "--profile", "small", cwd=root)
    assert origins(out)["max-tokens"] == ("100", ".gitdigest.toml [profile small]")
    code, out, err = run("--profile", "big", cwd=root)
    assert code == 2 and out == ""
    assert err == ("gitdigest: error: unknown profile 'big' in .gitdigest.toml "
                   "(profiles: small)\n")
    bare = make_repo({"a.py": "a\n"}, name="bare")
    code, _, err = run("--profile", "small", cwd=bare)
    assert code == 2 and "no .gitdigest.toml or pyproject.toml" in err


@pytest.mark.parametrize(("text", "message"), [
    ("max_tokens = 5\n", "unknown key 'max_tokens' in .gitdigest.toml"),
    ("[profiles.p]\nwat = 1\n", "unknown key 'wat' in .gitdigest.toml [profile p]"),
    ("token = 'x'\n", "unknown key 'token' in .gitdigest.toml (a token belongs in "
                      "GITDIGEST_TOKEN, not a file)"),
    ("max-tokens = 'lots'\n", ".gitdigest.toml: max-tokens takes a number, not 'lots'"),
    ("max-tokens = 0\n", ".gitdigest.toml: max-tokens must be at least 1, got 0"),
    ("format = 'yaml'\n", ".gitdigest.toml: unknown format 'yaml'; choose from text, json, "
                          "markdown, xml"),
    ("stats = 'yes'\n", ".gitdigest.toml: stats takes true or false"),
    ("exclude = [1]\n", ".gitdigest.toml: exclude takes a pattern or a list of patterns"),
    ("max-size = 'lots'\n", ".gitdigest.toml: max-size: invalid size 'lots'"),
    ("top = \n", ".gitdigest.toml: not valid TOML"),
])
def test_bad_configuration_is_exit_2_naming_key_and_file(make_repo: MakeRepo, text: str,
                                                         message: str) -> None:
    root = make_repo({"a.py": "a\n", ".gitdigest.toml": text})
    code, out, err = run(cwd=root)
    assert code == 2 and out == "" and not (root / "digest.txt").exists()
    assert err.startswith(f"gitdigest: error: {message}") and err.count("\n") == 1


def test_bad_environment_value_is_exit_2(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"})
    code, _, err = run(cwd=root, env={"GITDIGEST_STATS": "maybe"})
    assert code == 2
    assert err == ("gitdigest: error: GITDIGEST_STATS='maybe': use 1/true/yes/on or "
                   "0/false/no/off\n")
    code, out, _ = run("--print-config", cwd=root,
                       env={"GITDIGEST_EXCLUDE": "a/, b/", "GITDIGEST_NO_CACHE": "1"})
    assert origins(out)["exclude"] == ('["a/", "b/"]', "environment GITDIGEST_EXCLUDE")
    assert origins(out)["no-cache"][0] == "true"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A served repository whose configuration turns secret redaction off."""
    work = tmp_path_factory.mktemp("remote-work") / "cfg"
    work.mkdir()
    (work / "a.py").write_text("a\n")
    (work / "notes.md").write_text("n\n")
    (work / ".gitdigest.toml").write_text('secrets = "off"\nexclude = ["notes.md"]\n'
                                          '[profiles.bad]\noutput = "/tmp/x"\n')
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x.invalid"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "c"]):
        subprocess.run(["git", *args], cwd=work, check=True, env=env, capture_output=True)
    root = tmp_path_factory.mktemp("remote-served")
    make_bare(root, "owner/cfg", work)
    with GitHTTPServer(root, "unused") as server:
        yield f"{server.url}/owner/cfg"


@pytest.mark.server
def test_remote_configuration_is_ignored_unless_trusted(remote: str, tmp_path: Path) -> None:
    code, out, err = run(remote, "-f", "json", "-o", "-", "--no-cache", cwd=tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert [f["path"] for f in data["files"]] == [".gitdigest.toml", "a.py", "notes.md"]
    assert ("gitdigest: warning: ignored the remote repository's .gitdigest.toml: a remote "
            "configuration could weaken secret redaction; --trust-remote-config applies it\n"
            ) in err

    code, out, err = run(remote, "-f", "json", "-o", "-", "--no-cache", "--trust-remote-config",
                         cwd=tmp_path)
    assert code == 0 and "warning" not in err
    assert [f["path"] for f in json.loads(out)["files"]] == [".gitdigest.toml", "a.py"]
    # the command line still wins over a trusted remote configuration (a list replaces a list)
    code, out, _ = run(remote, "-f", "json", "-o", "-", "--no-cache", "--trust-remote-config",
                       "-e", "a.py", cwd=tmp_path)
    assert [f["path"] for f in json.loads(out)["files"]] == [".gitdigest.toml", "notes.md"]


@pytest.mark.server
def test_trusted_remote_configuration_cannot_choose_where_to_write(remote: str,
                                                                   tmp_path: Path) -> None:
    code, out, err = run(remote, "-o", "-", "--no-cache", "--trust-remote-config",
                         "--profile", "bad", cwd=tmp_path)
    assert code == 2 and out == ""
    assert err == ("gitdigest: error: the remote repository's .gitdigest.toml [profile bad]: "
                   "output cannot be set by a remote repository's configuration\n")


def test_another_tools_broken_pyproject_does_not_stop_a_digest(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n", "pyproject.toml": "[project]\nname = {{ cookiecutter }}\n"})
    code, _, err = run("-q", "-o", "-", cwd=root)
    assert (code, err) == (0, "")
    (root / "pyproject.toml").write_text("[tool.gitdigest]\ntop = \n")
    code, _, err = run("-q", "-o", "-", cwd=root)
    assert code == 2 and err.startswith("gitdigest: error: pyproject.toml: not valid TOML")


@pytest.mark.parametrize(("key", "value"), [("output", "../victim"), ("output", "/tmp/x/victim"),
                                            ("instructions", "../secret.txt"),
                                            ("summary-json", "out/../../victim"),
                                            ("output", "link/victim")])
def test_a_local_configuration_reads_and_writes_only_inside_its_folder(
        make_repo: MakeRepo, tmp_path: Path, key: str, value: str) -> None:
    # a cloned repository's .gitdigest.toml wrote its header over ../victim (exit 0): with
    # ../../.ssh/authorized_keys and an attacker's key as the header, that is a login
    victim, secret = tmp_path / "victim", tmp_path / "secret.txt"
    victim.write_text("mine\n")
    secret.write_text("not for the digest\n")
    root = make_repo({"a.py": "x = 1\n", ".gitdigest.toml":
                      f'header = "ssh-ed25519 AAAA attacker"\n{key} = "{value}"\n'})
    (root / "link").symlink_to(tmp_path, target_is_directory=True)  # inside, pointing out
    code, out, err = run(".", "-q", cwd=root)
    assert code == 2 and out == ""
    assert err.startswith("gitdigest: error: ") and f"{key} = {value!r} is outside" in err
    assert victim.read_text() == "mine\n"
    assert not (root / "out").exists()


def test_a_local_configuration_may_name_files_inside_its_folder(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "x = 1\n", "prompt.md": "Review this.\n",
                      ".gitdigest.toml": 'output = "digests/d.txt"\ninstructions = "prompt.md"\n'})
    (root / "digests").mkdir()
    code, _, err = run(".", "-q", cwd=root)
    assert code == 0, err
    assert "Review this." in (root / "digests" / "d.txt").read_text()
    # the command line may still name any path
    code, out, _ = run(".", "-q", "-o", "-", "--instructions", "prompt.md", cwd=root)
    assert code == 0 and "Review this." in out
