"""Builders for hostile repositories: every place git could take a program from points at one
script that appends a line to a marker file outside the repository, so a test can tell whether
gitdigest made git run anything the repository (or a hostile user/system config) chose."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..conftest import write_files

# Every hook git knows (githooks(5), git 2.39), including the fsmonitor and index hooks.
HOOKS = (
    "applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit",
    "prepare-commit-msg", "commit-msg", "post-commit", "pre-rebase", "post-checkout",
    "post-merge", "pre-push", "pre-receive", "update", "proc-receive", "post-receive",
    "post-update", "reference-transaction", "push-to-checkout", "pre-auto-gc", "post-rewrite",
    "sendemail-validate", "fsmonitor-watchman", "p4-changelist", "p4-prepare-changelist",
    "p4-post-changelist", "p4-pre-submit", "post-index-change",
)

# Content the digest must contain (proof that the run did its job, not just "no marker").
TRACKED = {"a.txt": "alpha-7f3\n", "src/app.py": "print('app-41c')\n", "notes.md": "# notes-d2e\n",
           ".gitignore": "*.log\n"}
UNTRACKED = {"draft.txt": "untracked-9c1\n", "debug.log": "ignored-5b0\n"}


class Evil:
    """The script every hostile setting names, and the marker file it writes."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.marker = folder / "marker.log"
        self.script = folder / "evil.sh"
        # Filters and textconv pass the content through, so a run that does start them still
        # produces a correct digest: the marker alone shows what happened.
        self.script.write_text(
            "#!/bin/sh\n"
            f"printf '%s\\n' \"$*\" >> '{self.marker}'\n"
            'case "$1" in\n'
            "  *clean|*smudge) exec cat ;;\n"
            '  *textconv) exec cat "$2" ;;\n'
            "esac\n"
            "exit 0\n")
        self.script.chmod(0o755)
        # git starts core.gitProxy without a shell (host and port as arguments): a wrapper
        self.proxy = folder / "git-proxy"
        self.proxy.write_text(f"#!/bin/sh\nexec {self.script} git-proxy \"$@\"\n")
        self.proxy.chmod(0o755)
        self.hooks = folder / "hooks"
        self.hooks.mkdir(exist_ok=True)
        write_hooks(self.hooks, self)

    def cmd(self, label: str) -> str:
        """A command line that runs the script with ``label`` as its first argument."""
        return f"{self.script} {label}"

    def fired(self) -> list[str]:
        """What ran: one line per start (label and arguments)."""
        return self.marker.read_text().splitlines() if self.marker.exists() else []


def write_hooks(folder: Path, evil: Evil) -> None:
    """Every hook in ``folder`` runs the script."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in HOOKS:
        hook = folder / name
        hook.write_text(f"#!/bin/sh\nexec {evil.cmd('hook-' + name)} \"$@\"\n")
        hook.chmod(0o755)


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          env=env).stdout.decode()


@dataclass(frozen=True)
class Vector:
    """One way a repository can name a program: config entries (applied with ``git config
    --add`` after the commit, so building the repository runs nothing), committed files
    (usually .gitattributes), and whether the repository's own hooks folder is armed."""

    id: str
    config: tuple[tuple[str, str], ...]
    files: dict[str, str] = field(default_factory=dict)
    hooks_in_git_dir: bool = False
    alternates: bool = False
    included: str = ""  # text of a config file that include.path / includeIf pull in


def vectors(evil_cmd: str = "EVIL") -> list[Vector]:
    """The hostile settings, with ``EVIL <label>`` standing for the script (see :func:`arm`)."""
    e = lambda label: f"{evil_cmd} {label}"  # noqa: E731
    pagers = ("ls-files", "diff-files", "check-ignore", "rev-parse", "ls-tree", "cat-file",
              "for-each-ref", "config", "init", "fetch", "sparse-checkout", "checkout",
              "ls-remote", "upload-pack")
    included = (f"[core]\n\tfsmonitor = {e('included-fsmonitor')}\n"
                f"[filter \"inc\"]\n\tclean = {e('included-clean')}\n"
                f"\tsmudge = {e('included-smudge')}\n\tprocess = {e('included-process')}\n")
    return [
        Vector("core.fsmonitor", (("core.fsmonitor", e("fsmonitor")),)),
        Vector("core.hooksPath", (("core.hooksPath", "HOOKS"),)),
        Vector("hooks-in-git-dir", (), hooks_in_git_dir=True),
        Vector("filter.clean-smudge",
               (("filter.evil.clean", e("clean")), ("filter.evil.smudge", e("smudge"))),
               {".gitattributes": "* filter=evil\n"}),
        Vector("filter.required",
               (("filter.evil.clean", e("clean")), ("filter.evil.smudge", e("smudge")),
                ("filter.evil.required", "true")),
               {".gitattributes": "* filter=evil\n"}),
        Vector("filter.process", (("filter.evil.process", e("process")),),
               {".gitattributes": "* filter=evil\n"}),
        # a driver name that `-c filter.<name>.clean=` cannot address (git splits -c at '=')
        Vector("filter.name-with-equals",
               (("filter.a=B.clean", e("clean")), ("filter.a=B.smudge", e("smudge"))),
               {".gitattributes": "* filter=a=B\n"}),
        Vector("include.path", (("include.path", "INCLUDED"),),
               {".gitattributes": "* filter=inc\n"}, included=included),
        Vector("includeIf.gitdir", (("includeIf.gitdir:/.path", "INCLUDED"),),
               {".gitattributes": "* filter=inc\n"}, included=included),
        Vector("diff.textconv", (("diff.evil.textconv", e("textconv")),),
               {".gitattributes": "* diff=evil\n"}),
        Vector("diff.external", (("diff.external", e("diff-external")),)),
        Vector("pager", (("core.pager", e("pager")),
                         *((f"pager.{c}", e(f"pager-{c}")) for c in pagers))),
        Vector("credential.helper", (("credential.helper", "!" + e("credential")),)),
        Vector("core.askPass", (("core.askPass", e("askpass")),)),
        Vector("core.sshCommand", (("core.sshCommand", e("ssh-command")),)),
        Vector("core.gitProxy", (("core.gitProxy", "GITPROXY"),)),
        Vector("uploadpack.packObjectsHook",
               (("uploadpack.packObjectsHook", e("pack-objects-hook")),)),
        Vector("core.alternateRefsCommand",
               (("core.alternateRefsCommand", e("alternate-refs")),), alternates=True),
        Vector("gpg.program", (("gpg.program", e("gpg")), ("gpg.ssh.program", e("gpg-ssh")),
                               ("log.showSignature", "true"))),
        Vector("editor", (("core.editor", e("editor")), ("sequence.editor", e("seq-editor")))),
        Vector("remote.uploadpack", (("remote.origin.url", "file:///nonexistent"),
                                     ("remote.origin.uploadpack", e("remote-uploadpack")),
                                     ("remote.origin.receivepack", e("remote-receivepack")))),
        Vector("submodule.update", (("submodule.sub.update", "!" + e("submodule-update")),
                                    ("submodule.sub.url", "./nowhere"))),
        Vector("protocol.ext", (("protocol.allow", "always"), ("protocol.ext.allow", "always"),
                                (f"url.ext::{e('ext-url')} %S .insteadOf", "file://"),
                                (f"url.ext::{e('ext-url')} %S .insteadOf", "http://"),
                                (f"url.ext::{e('ext-url')} %S .insteadOf", "git://"))),
    ]


VECTOR_IDS = [v.id for v in vectors()]


def make_repo(root: Path, evil: Evil, vector: Vector | None = None) -> Path:
    """A work tree with tracked, untracked and ignored files, its index made *racily clean*
    (index older than every entry: what a repository unpacked from an archive can look like, and
    what makes git compare content, through the clean filter, in ``diff-files``), and ``vector``
    armed in its ``.git`` folder."""
    vector = vector or Vector("none", ())
    repo = root / "hostile"
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    write_files(repo, {**TRACKED, **vector.files})
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m",
        "hostile")
    write_files(repo, UNTRACKED)
    git(repo, "config", "uploadpack.allowFilter", "true")
    arm(repo / ".git", evil, vector, root)
    make_racy(repo)
    return repo


def arm(git_dir: Path, evil: Evil, vector: Vector, root: Path) -> None:
    """Write ``vector``'s settings into the repository at ``git_dir``."""
    if vector.included:
        included = root / f"included-{vector.id}.cfg"
        included.write_text(vector.included.replace("EVIL", str(evil.script)))
    for key, value in vector.config:
        key = key.replace("EVIL", str(evil.script))
        value = {"HOOKS": str(evil.hooks), "GITPROXY": str(evil.proxy),
                 "INCLUDED": str(root / f"included-{vector.id}.cfg")}.get(value, value)
        git(git_dir, "--git-dir", str(git_dir), "config", "--add", key,
            value.replace("EVIL", str(evil.script)))
    if vector.hooks_in_git_dir:
        write_hooks(git_dir / "hooks", evil)
    if vector.alternates:
        other = root / f"alternate-{git_dir.parent.name}-{git_dir.name}"
        other.mkdir()
        git(other, "init", "-q")
        write_files(other, {"x": "x\n"})
        git(other, "add", "x")
        git(other, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
        info = git_dir / "objects" / "info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "alternates").write_text(f"{other / '.git' / 'objects'}\n")


def make_racy(repo: Path) -> None:
    """Date the index before its entries: git then re-reads (and filters) each one to decide
    whether it changed."""
    os.utime(repo / ".git" / "index", (1_000_000_000, 1_000_000_000))


def run_gitdigest(source: str, out: Path, *args: str, env: dict[str, str] | None = None,
                  cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The full CLI, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "gitdigest", source, "-o", str(out), "-q", *args],
                          capture_output=True, text=True, env=env, cwd=cwd,
                          stdin=subprocess.DEVNULL, timeout=120)


def hostile_config(evil: Evil, http_prefixes: tuple[str, ...] = ()) -> str:
    """A user- or system-level config that names a program wherever git would take one."""
    s = evil.cmd
    redirects = "".join(f"[url \"ext::{s('ext-url')} %S \"]\n\tinsteadOf = {p}\n"
                        for p in http_prefixes)
    return (
        "[user]\n\tname = T\n\temail = t@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n"
        f"[core]\n\tfsmonitor = {s('fsmonitor')}\n\thooksPath = {evil.hooks}\n"
        f"\tgitProxy = {evil.proxy}\n\tsshCommand = {s('ssh-command')}\n"
        f"\taskPass = {s('askpass')}\n\tpager = {s('pager')}\n"
        f"[filter \"evil\"]\n\tclean = {s('clean')}\n\tsmudge = {s('smudge')}\n"
        f"[filter \"evilp\"]\n\tprocess = {s('process')}\n"
        f"[filter \"lfs\"]\n\tclean = {s('lfs-clean')}\n\tsmudge = {s('lfs-smudge')}\n"
        f"\tprocess = {s('lfs-process')}\n\trequired = true\n"
        f"[diff \"evil\"]\n\ttextconv = {s('textconv')}\n"
        f"[diff]\n\texternal = {s('diff-external')}\n"
        f"[credential]\n\thelper = !{s('credential')}\n"
        f"[uploadpack]\n\tpackObjectsHook = {s('pack-objects-hook')}\n"
        f"[protocol]\n\tallow = always\n[protocol \"ext\"]\n\tallow = always\n{redirects}"
    )


# Committed by the global/system tests: the tree itself names the drivers a hostile user or
# system config defines (content that does travel through a remote).
HOSTILE_ATTRIBUTES = {".gitattributes": "*.txt filter=evil diff=evil\n*.py filter=evilp\n"
                                         "*.md filter=lfs\n"}
