"""Read-only git history for ``jit audit verify --git`` (every committed version of one file)
and ``jit audit evidence`` (files as they stood at a time, and the commits that changed them).

Kept apart from ``jit.adapters.git`` (the reconciler's read-write adapter) because verify only
reads, needs no token and must work in any clone. One ``git log -p`` call, so ten thousand
bot commits cost one subprocess, not ten thousand.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import datetime
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


def commit_at(root: Path, moment: datetime) -> str | None:
    """The newest first-parent commit on HEAD committed at or before ``moment``; None when
    there is none (the repository is younger)."""
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        return None
    done = _git(root, "rev-list", "-1", "--first-parent", f"--before={_epoch(moment)}", "HEAD")
    return done.stdout.decode().strip() or None


def files_at(root: Path, commit: str, prefix: str) -> dict[str, bytes]:
    """Every file under ``prefix`` as it was at ``commit``: path -> content."""
    listed = _checked(root, "ls-tree", "-r", "-z", "--name-only", commit, "--", prefix)
    found = {}
    for name in filter(None, listed.split(b"\x00")):
        path = name.decode("utf-8", "replace")
        found[path] = _checked(root, "cat-file", "blob", f"{commit}:{path}")
    return found


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    committed_at: str  # ISO 8601 as git prints it (%cI)
    author: str
    message: str
    files: tuple[str, ...]  # "M\tpolicies/resources.yaml", as --name-status prints them


def changes(root: Path, prefix: str, since: datetime, until: datetime) -> list[CommitInfo]:
    """First-parent commits on HEAD committed in ``[since, until]`` that touch ``prefix``,
    oldest first (a merge is compared with its first parent, so a PR counts once)."""
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        return []
    out = _checked(
        root, "log", "--first-parent", "-m", "--no-renames", "--name-status", "--reverse",
        "--format=%x1e%H%x1f%cI%x1f%an%x1f%B%x1f", f"--since={_epoch(since)}",
        f"--until={_epoch(until)}", "HEAD", "--", prefix,
    )  # fmt: skip
    found = []
    for chunk in out.decode("utf-8", "replace").split("\x1e")[1:]:
        sha, when, author, *message_parts, names = chunk.split("\x1f")
        message = "\x1f".join(message_parts)  # a message may hold the separator
        files = tuple(line for line in names.strip().splitlines() if line)
        found.append(CommitInfo(sha, when, author, message.strip(), files))
    return found


def diff(root: Path, commit: str, prefix: str) -> bytes:
    """What ``commit`` changed under ``prefix``, against its first parent, as a patch."""
    return _checked(
        root, "show", "--first-parent", "-m", "--format=", "--patch", "--no-color",
        "--no-ext-diff", "--no-renames", commit, "--", prefix,
    )  # fmt: skip


def _checked(root: Path, *args: str) -> bytes:
    done = _git(root, *args)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise OperationalError(f"reading git history in {root}: git {args[0]}: {said}")
    return done.stdout


def _epoch(moment: datetime) -> str:
    """A time git's date parser reads exactly: ``@<unix seconds>``."""
    return f"@{int(moment.timestamp())}"
