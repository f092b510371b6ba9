"""End to end: a request PR through ``jit pr``, approval, merge, ``jit reconcile``, ``jit unwrap``,
against the fake GitHub, Vault and Kubernetes and a real git remote (tests/reconcile/world.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jit.commands import pr as pr_command
from tests.fakes.events import Events
from tests.fakes.github_state import Pull
from tests.reconcile.world import World


@dataclass(frozen=True)
class Validated:
    code: int
    out: str
    err: str
    state: str  # the jit/approval status on the PR's head


class Flow(World):
    """The world plus the PR side: ``jit pr`` on the events the shipped workflows use."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(tmp_path, monkeypatch)
        self.events = Events(self.github)
        self.summary = tmp_path / "summary.md"
        self.channels: list[str] = []  # every stdout/stderr line any command wrote

    def open(self, login: str, name: str, resource: str, duration: str = "2h") -> Pull:
        path = f"requests/{login}/{name}.yaml"
        return self.github.add_pull(login, {path: self.request_text(login, resource, duration)})

    def validate(self, pr: Pull, *, reviewed: bool = False) -> Validated:
        if reviewed:  # the review relay completed: workflow_run runs the trusted validator
            name, payload = (
                "workflow_run",
                self.events.workflow_run(pr, event="pull_request_review"),
            )
        else:
            name, payload = "pull_request_target", self.events.pull_request(pr, "opened")
        path = self.events.write(self.tmp, payload)
        env = self.events.env(name, path, pr=pr if not reviewed else None, summary=self.summary)
        out, err = io.StringIO(), io.StringIO()
        code = pr_command.run(self.checkout(), env=env, now=self.clock.now(), out=out, err=err)
        self.channels += [out.getvalue(), err.getvalue()]
        status = self.github.latest_status(pr.head_sha, "jit/approval")
        return Validated(code, out.getvalue(), err.getvalue(), status.state if status else "")

    def approve_and_merge(self, pr: Pull, approver: str = "carol") -> None:
        self.github.add_review(pr, approver)
        assert self.validate(pr, reviewed=True).state == "success"
        head, base = self.github.tree(pr.head_sha), self.github.commits[pr.base_sha].tree
        (path,) = [p for p in head if p.startswith("requests/") and head[p] != base.get(p)]
        self.merge(pr, {path: head[path].decode()})  # type: ignore[union-attr]


@pytest.fixture
def flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    world = Flow(tmp_path, monkeypatch)
    try:
        yield world
    finally:
        world.close()
