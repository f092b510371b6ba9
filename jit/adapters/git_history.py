"""Read-only git history for ``jit audit verify --git``: every committed version of one file.

Kept apart from ``jit.adapters.git`` (the reconciler's read-write adapter) because verify only
reads, needs no token and must work in any clone. One ``git log -p`` call, so ten thousand
bot commits cost one subprocess, not ten thousand.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from jit.errors import JitError, OperationalError


def in_work_tree(root: Path) -> bool:
    """True when ``root`` is inside a git work tree (and git is installed)."""
    try:
        done = _git(root, "rev-parse", "--is-inside-work-tree")
    except JitError:
        return False
    return done.returncode == 0 and done.stdout.strip() == b"true"


def is_shallow(root: Path) -> bool:
    done = _git(root, "rev-parse", "--is-shallow-repository")
    return done.stdout.strip() == b"true"


def file_versions(root: Path, path: str) -> list[tuple[str, bytes]]:
    """``(commit, content)`` for each commit reachable from HEAD that set ``path`` (relative to
    ``root``), newest first. ``path`` should hold one line; deletions are skipped."""
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        return []  # no commits yet
    done = _git(
        root,
        "log",
        "--format=%x00%H",
        "--patch",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        "--unified=0",
        "HEAD",
        "--",
        path,
    )
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise OperationalError(f"reading the history of {path} in {root}: git log: {said}")
    versions = []
    for chunk in done.stdout.split(b"\x00")[1:]:
        commit, _, patch = chunk.partition(b"\n")
        added = [
            line[1:]
            for line in patch.split(b"\n")
            if line.startswith(b"+") and not line.startswith(b"+++")
        ]
        if added:
            versions.append((commit.decode().strip(), b"\n".join(added)))
    return versions


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    env.update(LC_ALL="C", LANG="C", GIT_TERMINAL_PROMPT="0", GIT_PAGER="cat")
    command = ["git", "-c", "core.quotepath=false", "-c", "log.showSignature=false", *args]
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            command, cwd=root, env=env, capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise JitError("running git: no executable 'git' on PATH; install git") from exc
