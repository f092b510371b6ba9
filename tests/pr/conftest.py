"""A PR's world for ``jit pr`` end to end: the fake GitHub, a base checkout, events, a clock.

    world.open("alice", {"requests/alice/db.yaml": request()})   # a PR
    result = world.run("pull_request_target", world.events.pull_request(pr, "opened"))
    assert result.code == 0 and world.status(pr).state == "pending"

``run`` goes through ``jit.cli.main`` with the Actions environment set, as in a workflow: only
the process environment, ``sys.argv`` and the clock are replaced.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jit.pr.plan import MARKER, STATUS_CONTEXT
from tests.fakes.events import Events
from tests.fakes.github import FakeGitHub, fake_github
from tests.fakes.github_state import Comment, Pull, Status, Symlink, Tree

__all__ = ["World", "fake_github", "request", "world"]

NOW = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)  # after every fake timestamp

POLICY = """\
resources:
  prod-db-readonly:
    description: Read-only access to the production orders database
    grant: {kind: vault-credentials, path: database/creds/orders-readonly}
    eligible: [acme/engineering]
    max_duration: 4h
    approvals:
      - from: [acme/dba, zoe]
        count: 1
    auto_approve:
      - requester_in: [acme/oncall]
        max_duration: 30m
"""
SETTINGS = "revokers: [acme/security]\n"


def request(requester: str = "alice", duration: str = "2h", **extra: str) -> str:
    lines = [
        f"requester: {requester}",
        "resource: prod-db-readonly",
        f"duration: {duration}",
        "reason: Investigate INC-4711, slow queries on orders",
    ]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


class World:
    def __init__(
        self,
        fake: FakeGitHub,
        tmp: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        self.fake, self.tmp, self.monkeypatch, self.capsys = fake, tmp, monkeypatch, capsys
        self.events = Events(fake)
        self.token = fake.APP_TOKEN
        self.summary = tmp / "summary.md"
        fake.add_team("acme/engineering", ["alice", "bob", "mallory", "carol"])
        fake.add_team("acme/dba", ["carol", "erin"], pending=["dave"])
        fake.add_team("acme/oncall", ["olga"])
        fake.add_team("acme/engineering", ["olga"])
        fake.add_team("acme/security", ["sam"])
        fake.user("zoe")
        fake.commit_to_main(
            {"policies/databases.yaml": POLICY, "policies/settings.yaml": SETTINGS},
            "Policies",
        )
        monkeypatch.setattr("jit.adapters.clock.now", lambda: NOW)

    def open(self, author: str, files: Mapping[str, Any], **kw: Any) -> Pull:
        return self.fake.add_pull(author, files, **kw)

    def checkout(self) -> Path:
        """The base branch as ``actions/checkout`` leaves it (fresh for every run)."""
        root = self.tmp / "base"
        if root.exists():
            shutil.rmtree(root)
        _write_tree(root, self.fake.tree())
        return root

    def run(self, event_name: str, payload: dict[str, Any], pr: Pull | None = None) -> Result:
        path = self.events.write(self.tmp, payload)
        env = self.events.env(event_name, path, pr=pr, token=self.token, summary=self.summary)
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        self.monkeypatch.setattr(sys, "argv", ["jit", "pr", "--repo", str(self.checkout())])
        from jit.cli import main

        with pytest.raises(SystemExit) as exited:
            main()
        out, err = self.capsys.readouterr()
        return Result(int(exited.value.code or 0), out, err)

    def opened(self, pr: Pull, action: str = "opened", before: str = "") -> Result:
        payload = self.events.pull_request(pr, action, before=before)
        return self.run("pull_request_target", payload, pr)

    def reviewed(self, pr: Pull) -> Result:
        """The review relay's run completing: ``workflow_run`` runs the trusted validator."""
        payload = self.events.workflow_run(pr, event="pull_request_review")
        return self.run("workflow_run", payload)

    def pushed(self, pr: Pull, files: Mapping[str, Any]) -> Result:
        before = pr.head_sha
        self.fake.push(pr, files)
        return self.opened(pr, "synchronize", before=before)

    # --- what people see -------------------------------------------------------------------

    def plan_comments(self, pr: Pull) -> list[Comment]:
        return [c for c in self.fake.comments_on(pr) if MARKER in c.body]

    def plan(self, pr: Pull) -> str:
        (comment,) = self.plan_comments(pr)
        return comment.body

    def status(self, pr: Pull) -> Status:
        found = self.fake.latest_status(pr.head_sha, STATUS_CONTEXT)
        assert found is not None, f"no {STATUS_CONTEXT} status on {pr.head_sha}"
        return found


def _write_tree(root: Path, tree: Tree) -> None:
    for rel, entry in tree.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, bytes):
            target.write_bytes(entry)
        elif isinstance(entry, Symlink):
            target.symlink_to(entry.target)


@pytest.fixture
def world(
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[World]:
    yield World(fake_github, tmp_path, monkeypatch, capsys)
