"""What a release ships: the distribution's metadata, the container image's recipe and the
release workflow (the wheel itself is built, checked and installed in a clean virtualenv by
.ci/run; building the image needs a Docker engine, which CI here does not have)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _ultranormal(name: str) -> str:
    """A name as PyPI compares it with existing ones: case and punctuation do not count."""
    return re.sub(r"[-_.]+", "", name.lower())


def test_the_distribution_name_is_not_taken_by_punctuation() -> None:
    """``git-digest`` is on PyPI, so ``gitdigest`` would be refused as too close."""
    project = PYPROJECT["project"]
    assert _ultranormal(project["name"]) != _ultranormal("git-digest")
    assert project["scripts"] == {"gitdigest": "gitdigest.cli:main"}
    extras = " ".join(project["optional-dependencies"]["test"])
    assert f"{project['name']}[" in extras  # the test extra names this distribution


def test_every_supported_python_is_classified() -> None:
    classifiers = PYPROJECT["project"]["classifiers"]
    for minor in range(10, 14):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert PYPROJECT["project"]["requires-python"] == ">=3.10"


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def test_the_image_is_slim_python_with_git_and_our_wheel_only() -> None:
    steps = _instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    froms = [arg for name, arg in steps if name == "FROM"]
    assert len(froms) == 1
    match = re.fullmatch(r"python:3\.(\d+)-slim", froms[0])
    assert match and 10 <= int(match.group(1)) <= 13
    runs = " ".join(arg for name, arg in steps if name == "RUN")
    assert "apt-get install -y --no-install-recommends git" in runs
    assert re.search(r"pip install --no-cache-dir \"\$\{wheel\}\[web\]\"", runs)
    assert not re.search(r"pip install [^$]*gitdigest", runs)  # never from an index
    assert ("COPY", "dist/*.whl /tmp/wheels/") in steps


def test_the_image_runs_gitdigest_as_a_user() -> None:
    steps = _instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    users = [arg for name, arg in steps if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("ENTRYPOINT", '["gitdigest"]') in steps
    assert ("EXPOSE", "8000") in steps
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ignore[-2:] == ["*", "!dist/*.whl"]  # nothing but the wheel reaches the build


def test_the_image_compiles_the_secret_rules_as_its_user() -> None:
    # a container is a first run every time unless the image holds the compiled rules; built
    # as the user that runs, in the cache folder it reads (Kingfisher checks the owner)
    steps = _instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    last_user = max(i for i, (name, _) in enumerate(steps) if name == "USER")
    prewarm = [i for i, (name, arg) in enumerate(steps)
               if name == "RUN" and "secrets.load()" in arg]
    assert prewarm and prewarm[0] > last_user
    assert not any("KF_RULE_CACHE_DIR" in arg or "XDG_CACHE_HOME" in arg for _, arg in steps)
    command = shlex.split(steps[prewarm[0]][1])
    assert command[0] == "python"
    subprocess.run([sys.executable, *command[1:]], check=True)  # (the session's rule cache)


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_a_version_tag_releases(workflow: dict[Any, Any]) -> None:
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers == {"push": {"tags": ["v*"]}}


def test_pypi_is_published_by_trusted_publishing(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    pypi = jobs["pypi"]
    assert pypi["permissions"] == {"id-token": "write"} and pypi["needs"] == "build"
    uses = [step.get("uses", "") for step in pypi["steps"]]
    assert any(use.startswith("pypa/gh-action-pypi-publish@") for use in uses)
    text = (ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8")
    assert "PYPI_TOKEN" not in text and "password: ${{ secrets.PYPI" not in text


def test_the_build_checks_and_installs_the_wheel(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    script = " ".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert "python -m build" in script and "twine check --strict" in script
    assert "pip install dist/*.whl" in script and "gitdigest --version" in script


def test_the_image_goes_to_ghcr_from_the_same_wheel(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    image = jobs["image"]
    assert image["needs"] == "build" and image["permissions"]["packages"] == "write"
    steps = {step.get("uses", "").split("@")[0]: step for step in image["steps"]}
    assert steps["docker/login-action"]["with"]["registry"] == "ghcr.io"
    assert steps["docker/build-push-action"]["with"]["push"] is True
    assert steps["actions/download-artifact"]["with"]["name"] == "dist"


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~;\[@]", requirement, maxsplit=1)[0].lower().replace("_", "-")
            for requirement in requirements}


def test_the_compress_extra_installs_what_its_run_time_imports() -> None:
    """tree-sitter, its grammars and numpy (ranking and BM25 run on numpy arrays); networkx,
    scipy and bm25s only check that arithmetic, so they belong to the test extra."""
    from gitdigest.core.grammars import GRAMMARS

    extras = PYPROJECT["project"]["optional-dependencies"]
    grammars = {grammar.module.replace("_", "-") for grammar in GRAMMARS.values()}
    assert _requirement_names(extras["compress"]) == {"tree-sitter", "numpy", *grammars}
    assert {"networkx", "scipy", "bm25s"} <= _requirement_names(extras["test"])
