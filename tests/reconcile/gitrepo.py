"""Real git repositories for tests: a bare remote and clones of it, in temp dirs, offline."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr.decode()}")
    return done.stdout.decode()


class Remote:
    """A bare repository standing in for GitHub's copy of the access repository."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.path = base / "remote.git"
        self.path.mkdir(parents=True)
        git(self.path, "init", "--quiet", "--bare", "--initial-branch=main")
        self.work = self.clone("maintainer")
        self._clones = 0

    def clone(self, name: str | None = None) -> Path:
        """A fresh clone, as actions/checkout makes one for every run."""
        if name is None:
            self._clones += 1
            name = f"run-{self._clones}"
        dest = self.base / name
        git(self.base, "clone", "--quiet", str(self.path), str(dest))
        git(dest, "checkout", "--quiet", "-B", "main")
        return dest

    def commit(self, files: Mapping[str, str | None], message: str = "Merge") -> str:
        """A commit on main (None deletes a file), pushed; returns its sha."""
        git(
            self.work, "pull", "--quiet", "--ff-only", "origin", "main"
        ) if self.has_main() else None
        for path, content in files.items():
            target = self.work / path
            if content is None:
                git(self.work, "rm", "--quiet", "--", path)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
                git(self.work, "add", "--", path)
        git(self.work, "commit", "--quiet", "--allow-empty", "-m", message)
        git(self.work, "push", "--quiet", "origin", "HEAD:main")
        return git(self.work, "rev-parse", "HEAD").strip()

    def reject_pushes(self, reject: bool = True) -> None:
        """A pre-receive hook that refuses every push (like a protected branch would)."""
        hook = self.path / "hooks" / "pre-receive"
        if reject:
            hook.write_text("#!/bin/sh\necho 'protected branch hook declined' >&2\nexit 1\n")
            hook.chmod(0o755)
        elif hook.exists():
            hook.unlink()

    def has_main(self) -> bool:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "refs/heads/main"],
            cwd=self.path,
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def show(self, path: str, ref: str = "main") -> str | None:
        done = subprocess.run(
            ["git", "show", f"{ref}:{path}"], cwd=self.path, capture_output=True, check=False
        )
        return done.stdout.decode() if done.returncode == 0 else None

    def ls(self, prefix: str, ref: str = "main") -> list[str]:
        out = git(self.path, "ls-tree", "-r", "--name-only", ref, "--", prefix)
        return [line for line in out.splitlines() if line]

    def log(self, *args: str) -> str:
        return git(self.path, "log", *args, "main")
