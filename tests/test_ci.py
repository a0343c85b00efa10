"""The CI integrations run for real: the composite action's scripts (with the environment GitHub
gives them), the pre-commit hook's entry, and the GitLab and GitHub examples, in real git
repositories. Installing is the one step not run (it needs a package index): the action finds
the virtualenv of this test run already in place, as it does on its second use in a job."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitdigest import digest

from .conftest import MakeRepo, git

ROOT = Path(__file__).parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
VENV_BIN = Path(sys.executable).parent
# Through the environment layer, as a CI job would set it: these repositories hold no secret,
# and each gitdigest process is spared loading the scanner (the plumbing is what is tested).
QUICK = {"GITDIGEST_SECRETS": "off"}
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def run_action(workspace: Path, temp: Path, *, steps: dict[str, dict[str, str]] | None = None,
               scan: bool = False, **inputs: str) -> tuple[int, dict[str, str], str]:
    """Run the action's steps as GitHub does: ``bash --noprofile --norc -eo pipefail``, inputs
    and paths only through the step's ``env``, outputs appended to $GITHUB_OUTPUT (a file per
    step). Returns the action's outputs; ``steps`` receives each step's, by id. Secrets are
    not scanned unless ``scan``."""
    values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(inputs) - set(values)
    assert not unknown, f"not inputs of the action: {unknown}"
    values.update(inputs)
    temp.mkdir(exist_ok=True)
    venv = temp / "gitdigest-venv"
    if not venv.exists():
        venv.symlink_to(VENV_BIN.parent)  # the install step finds gitdigest already there
    output = temp / "github_output"
    output.write_text("")

    def expand(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "github.action_path":
                return str(ROOT)
            assert name.startswith("inputs."), name
            return values[name.removeprefix("inputs.")]
        return _EXPRESSION.sub(one, text)

    stderr = ""
    code = 0
    steps = {} if steps is None else steps
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:  # GitHub's own cache action: checked by the tests below
            assert step["uses"].startswith("actions/cache@"), step["uses"]
            continue
        assert "${{" not in step["run"], "inputs must reach scripts through env only"
        assert step["shell"] == "bash"
        env = {**os.environ, **({} if scan else QUICK), "RUNNER_TEMP": str(temp),
               "GITHUB_OUTPUT": str(output), "GITHUB_WORKSPACE": str(workspace)}
        env.update({key: expand(str(value)) for key, value in step.get("env", {}).items()})
        script = temp / "step.sh"
        script.write_text(step["run"])
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail",
                                 str(script)], cwd=workspace, env=env, capture_output=True,
                                text=True)
        stderr += result.stderr
        steps[step.get("id", "")] = _outputs(output)
        output.write_text("")
        code = result.returncode
        if code != 0:
            break
    return code, _action_outputs(steps), stderr


def _action_outputs(steps: dict[str, dict[str, str]]) -> dict[str, str]:
    """The action's declared outputs, from the steps' (``${{ steps.ID.outputs.NAME }}``)."""
    found = {}
    for name, spec in ACTION["outputs"].items():
        match = _EXPRESSION.fullmatch(spec["value"])
        assert match is not None, spec["value"]
        step, _, key = match.group(1).removeprefix("steps.").partition(".outputs.")
        if key in steps.get(step, {}):
            found[name] = steps[step][key]
    return found


def _step(step_id: str) -> dict[str, Any]:
    return next(step for step in ACTION["runs"]["steps"] if step.get("id") == step_id)


def test_action_keeps_the_scanners_compiled_rules_between_jobs() -> None:
    # a fresh runner compiles the secret rules (seconds); later jobs restore them, keyed so
    # that another scanner version, OS or CPU architecture never gets a foreign database
    steps = ACTION["runs"]["steps"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    names = [step.get("id") for step in steps]
    assert names.index("rules") < steps.index(cache) < names.index("digest")
    assert cache["with"]["path"] == "${{ runner.temp }}/gitdigest-rules"
    key = cache["with"]["key"]
    for part in ("${{ steps.rules.outputs.scanner }}", "${{ runner.os }}", "${{ runner.arch }}"):
        assert part in key
    assert 'KF_RULE_CACHE_DIR="$RUNNER_TEMP/gitdigest-rules"' in _step("digest")["run"]


def test_action_names_the_installed_scanner_and_fills_the_cached_folder(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"app.py": "print('hi')\n"})
    temp = tmp_path / "runner-temp"
    steps: dict[str, dict[str, str]] = {}
    # this run scans: the rules must land in the folder the cache step saves
    code, _, stderr = run_action(root, temp, steps=steps, scan=True)
    assert code == 0, stderr
    assert steps["rules"]["scanner"] == importlib.metadata.version("kingfisher-secret-scanner")
    assert list((temp / "gitdigest-rules").iterdir())  # compiled here, saved by the cache


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)


def test_action_declares_what_the_issue_asks() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"source", "format", "output", "max-tokens", "model", "args"}
    assert set(ACTION["outputs"]) == {"path", "tokens", "fingerprint"}
    install = ACTION["runs"]["steps"][0]
    assert install["env"]["GITDIGEST_ACTION_PATH"] == "${{ github.action_path }}"
    assert 'pip" install --quiet "$GITDIGEST_ACTION_PATH"' in install["run"]


@pytest.mark.slow
def test_action_defaults_digest_the_workspace(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "print('a')\n", "docs/x.md": "x\n"})
    expected = digest(str(root))  # the workspace as the action found it
    code, outputs, stderr = run_action(root, tmp_path / "runner")
    assert code == 0, stderr
    assert outputs == {"path": "digest.txt", "tokens": str(expected.summary.tokens),
                       "fingerprint": expected.fingerprint}
    assert (root / "digest.txt").read_text().startswith("Source: repo\n")


@pytest.mark.slow
def test_action_inputs_budget_and_check_against(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "print('a')\n", "b c/d.py": "d\n"})
    inputs = {"format": "json", "output": "out.json", "max-tokens": "100000",
              "args": "--check-against out.json -e 'b c/'"}
    code, outputs, stderr = run_action(root, tmp_path / "runner", **inputs)
    assert code == 1 and "out.json did not exist" in stderr  # a failed check still publishes
    data = json.loads((root / "out.json").read_text())
    assert [f["path"] for f in data["files"]] == ["a.py"]
    assert outputs["path"] == "out.json"
    assert outputs["fingerprint"] == data["summary"]["fingerprint"]
    assert outputs["tokens"] == str(data["summary"]["tokens"])
    code, again, stderr = run_action(root, tmp_path / "runner", **inputs)
    assert code == 0, stderr
    assert again == outputs


@pytest.mark.slow
def test_action_args_are_never_run(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "a\n"})
    code, outputs, stderr = run_action(root, tmp_path / "runner",
                                       args="$(touch pwned) `touch pwned2`; touch pwned3")
    assert code == 2 and outputs == {}
    assert not list(root.glob("pwned*")) and not list(tmp_path.glob("**/pwned*"))
    assert "gitdigest: error:" in stderr


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "gitdigest"]
    return dict(hook)


@pytest.mark.slow
def test_pre_commit_hook_keeps_the_committed_digest_up_to_date(make_repo: MakeRepo) -> None:
    hook = _hook()
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    argv = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    env = {**os.environ, **QUICK, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    root = make_repo({"a.py": "a\n"})

    def commit_hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)

    first = commit_hook()
    assert first.returncode == 1
    assert first.stderr == ("gitdigest: error: digest.txt did not exist: 1 files are new "
                            "(the digest was written all the same: digest.txt)\n")
    git(root, "add", "digest.txt")
    git(root, "commit", "-q", "-m", "add the digest")
    assert commit_hook().returncode == 0  # up to date: the commit goes through
    (root / "a.py").write_text("changed\n")
    (root / "b.py").write_text("b\n")
    stale = commit_hook()
    assert stale.returncode == 1
    assert stale.stderr == ("gitdigest: error: the digest differs from digest.txt: added 1: "
                            "b.py; changed 1: a.py (the digest was written all the same: "
                            "digest.txt)\n")
    assert "FILE: b.py" in (root / "digest.txt").read_text()  # updated: add it and commit
    assert commit_hook().returncode == 0


@pytest.mark.slow
def test_github_example_uses_the_action_and_runs(make_repo: MakeRepo, tmp_path: Path) -> None:
    workflow = yaml.safe_load((ROOT / "examples/ci/github-actions.yml").read_text())
    steps = workflow["jobs"]["digest"]["steps"]
    (step,) = [s for s in steps if str(s.get("uses", "")).split("@")[0].endswith("/gitdigest")]
    root = make_repo({"a.py": "a\n"})
    code, outputs, stderr = run_action(root, tmp_path / "runner", **step["with"])
    assert code == 1 and "digest.json did not exist" in stderr  # commit digest.json first
    code, outputs, stderr = run_action(root, tmp_path / "runner", **step["with"])
    assert code == 0, stderr
    assert outputs["path"] == "digest.json" and len(outputs["fingerprint"]) == 64


@pytest.mark.slow
def test_gitlab_example_installs_from_the_repository_and_runs(make_repo: MakeRepo) -> None:
    job = yaml.safe_load((ROOT / "examples/ci/gitlab-ci.yml").read_text())["digest"]
    install, *rest = job["script"]
    assert re.search(r'pip" install --quiet "\$GITDIGEST_REPO"|pip install --quiet '
                     r'"\$GITDIGEST_REPO"', install)
    assert job["variables"]["GITDIGEST_REPO"].startswith("git+")
    root = make_repo({"a.py": "a\n"})
    env = {**os.environ, **QUICK, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    script = "\n".join(line for line in rest if not line.startswith("export PATH="))
    first = subprocess.run(["bash", "-ec", script], cwd=root, env=env, capture_output=True,
                           text=True)
    assert first.returncode == 1 and "digest.json did not exist" in first.stderr
    second = subprocess.run(["bash", "-ec", script], cwd=root, env=env, capture_output=True,
                            text=True)
    assert second.returncode == 0, second.stderr
    summary = json.loads((root / "summary.json").read_text())
    assert summary["written"] == ["digest.json"]
    assert summary["summary"]["fingerprint"] == json.loads(
        (root / "digest.json").read_text())["summary"]["fingerprint"]


@pytest.mark.parametrize("path", ["README.md", "examples/ci/github-actions.yml",
                                  "examples/ci/gitlab-ci.yml", "action.yml"])
def test_nothing_installs_gitdigest_from_a_package_index(path: str) -> None:
    text = (ROOT / path).read_text()
    assert not re.search(r"pip install (--\S+ )*['\"]?gitdigest\b", text)
