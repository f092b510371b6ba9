"""A requester's world: the example access repository on a bare remote (standing in for
GitHub's copy), the requester's clone of it, and the fake GitHub, joined so that a branch
pushed to the remote is a branch GitHub knows."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jit.cli import main
from tests.fakes.github import FakeGitHub, fake_github

__all__ = ["ALICE_ORG_TOKEN", "ALICE_TOKEN", "Ran", "World", "fake_github", "world"]
from tests.reconcile.gitrepo import Remote, git

ROOT = Path(__file__).resolve().parents[2]
ALICE_TOKEN = "ghp_aliceRequesterToken0001"
ALICE_ORG_TOKEN = "ghp_aliceOrgScopeToken0001"


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@dataclass
class World:
    remote: Remote
    clone: Path
    github: FakeGitHub
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def jit(self, *argv: str, token: str | None = ALICE_ORG_TOKEN, repository: bool = True) -> Ran:
        """``jit ARGV`` in the requester's clone, with ``token`` as GITHUB_TOKEN (and, with
        ``repository``, GITHUB_REPOSITORY naming the fake's repository)."""
        mp = self.monkeypatch
        mp.chdir(self.clone)
        if token is None:
            mp.delenv("GITHUB_TOKEN", raising=False)
        else:
            mp.setenv("GITHUB_TOKEN", token)
        mp.setenv("GITHUB_API_URL", self.github.base_url)
        if repository:
            mp.setenv("GITHUB_REPOSITORY", self.github.repo.full_name)
        else:
            mp.delenv("GITHUB_REPOSITORY", raising=False)
        mp.setattr(sys, "argv", ["jit", *argv])
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main()
        out, err = self.capsys.readouterr()
        return Ran(int(done.value.code or 0), out, err)

    def sync_branch(self, name: str) -> dict[str, str | None] | None:
        """What GitHub sees of branch ``name``: the files of the remote's branch."""
        done = subprocess.run(
            ["git", "ls-tree", "-r", "--name-only", f"refs/heads/{name}"],
            cwd=self.remote.path,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            return None
        return {
            path: self.remote.show(path, f"refs/heads/{name}")
            for path in done.stdout.decode().splitlines()
        }


@pytest.fixture
def world(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_github: FakeGitHub,
) -> Iterator[World]:
    remote = Remote(tmp_path)
    files: dict[str, str | None] = {}
    for folder in ("policies", "requests"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file():
                files[path.relative_to(ROOT).as_posix()] = path.read_text()
    remote.commit(files, "The example access repository")
    clone = remote.clone("alice")
    git(clone, "config", "user.name", "Alice")
    git(clone, "config", "user.email", "alice@example.test")
    fake_github.add_token(ALICE_TOKEN, "alice")
    fake_github.add_token(ALICE_ORG_TOKEN, "alice", org_scope=True)
    fake_github.commit_to_main({"README.md": None, **files})  # the same tree as the remote
    result = World(remote, clone, fake_github, monkeypatch, capsys)
    fake_github.branch_source = result.sync_branch
    yield result
