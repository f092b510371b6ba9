"""The requester's loop as the approver sees it: ``jit request`` pushes a branch with real git
and opens the PR on the fake GitHub, then the validator's ``jit pr`` (on a fresh clone of main,
as ``actions/checkout`` makes it) posts the plan comment. Its golden file is that comment."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jit.pr.plan import MARKER, STATUS_CONTEXT
from tests.fakes.events import Events
from tests.fakes.github_state import Pull
from tests.golden import assert_golden
from tests.requester.conftest import World

GOLDEN = Path(__file__).resolve().parents[1] / "pr" / "golden"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
REASON = "Investigate INC-4711, slow queries on orders (@dba-oncall please look)"


def _validate(world: World, pr: Pull, tmp_path: Path, event: str = "pull_request_target") -> int:
    """One run of the validator workflow's ``jit pr`` for ``pr``."""
    events = Events(world.github)
    payload = (
        events.pull_request(pr, "opened")
        if event == "pull_request_target"
        else events.workflow_run(pr, event="pull_request_review")
    )
    path = events.write(tmp_path, payload)
    env = events.env(event, path, pr=pr, token=world.github.APP_TOKEN)
    for key, value in env.items():
        world.monkeypatch.setenv(key, value)
    checkout = world.remote.clone()
    world.monkeypatch.setattr(sys, "argv", ["jit", "pr", "--repo", str(checkout)])
    from jit.cli import main

    with pytest.raises(SystemExit) as done:
        main()
    code = int(done.value.code or 0)
    assert code in (0, 1), world.capsys.readouterr().err
    return code


def _plan(world: World, pr: Pull) -> str:
    (comment,) = [c for c in world.github.comments_on(pr) if MARKER in c.body]
    return comment.body


def test_a_request_opened_with_one_command_gets_its_plan(world: World, tmp_path: Path) -> None:
    world.github.add_team("acme/engineering", ["alice"])
    world.github.add_team("acme/dba", ["carol"])
    world.github.add_team("acme/oncall", ["olga"])
    world.monkeypatch.setattr("jit.adapters.clock.now", lambda: NOW)
    ran = world.jit(
        "request",
        "prod-db-readonly",
        "--duration",
        "2h",
        "--ticket",
        "INC-4711",
        "--reason",
        REASON,
        "--name",
        "orders-slow-queries",
    )
    assert ran.code == 0, ran.err
    pr = world.github.pulls[max(world.github.pulls)]

    assert _validate(world, pr, tmp_path) == 0
    status = world.github.latest_status(pr.head_sha, STATUS_CONTEXT)
    assert status is not None and status.state == "pending"
    assert pr.requested_teams == ["dba"]
    plan = _plan(world, pr)
    assert "| Reason | Investigate INC-4711, slow queries on orders (@\u200bdba-oncall" in plan
    assert "| Access | Read-only access to the production orders database |" in plan
    assert "| Starts | on merge (2026-11-23 08:00 UTC if merged now) |" in plan
    assert_golden(GOLDEN / "requested.md", plan)

    world.github.add_review(pr, "carol")
    assert _validate(world, pr, tmp_path, "workflow_run") == 0
    status = world.github.latest_status(pr.head_sha, STATUS_CONTEXT)
    assert status is not None and status.state == "success"
    assert "`jit/approval` is green: anyone with write access" in _plan(world, pr)
