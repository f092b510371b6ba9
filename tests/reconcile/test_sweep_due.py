"""`python -S -m jit.commands.sweep_due`: on a real checkout it agrees with the full run, it
imports nothing beyond the standard library, and it answers due=true when in doubt."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from jit.commands.sweep_due import decide, main, run
from tests.reconcile.gitrepo import Remote
from tests.reconcile.world import World

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "reconcile.yml"


def due(world: World) -> bool:
    return decide(world.checkout(), world.clock.now()).due


def test_the_sweep_is_due_exactly_when_the_full_run_has_work(world: World) -> None:
    assert not due(world)  # nothing requested yet
    world.request("alice", "x", "db-group", "2h")
    world.request("bob", "y", "orders-debug", "1h")
    assert due(world)  # merged, not granted
    assert world.run().code == 0
    assert not due(world)
    before = world.records()
    world.advance(minutes=59)
    assert not due(world)  # ends in a minute
    world.advance(minutes=1)
    assert due(world)  # bob's binding ends now
    assert world.run().code == 0
    assert len(world.records()) == 1 and len(before) == 2
    assert not due(world)
    world.withdraw("alice", "x")
    assert due(world)  # the request file is gone
    assert world.run().code == 0
    assert world.records() == {} and not due(world)
    assert world.verify().ok


def test_the_reminder_setting_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(tmp_path, monkeypatch, reminder=30)
    try:
        world.request("alice", "x", "db-token", "1h")
        assert world.run().code == 0
        world.advance(minutes=29)
        assert not due(world)
        world.advance(minutes=1)
        assert due(world)  # the reminder window opens
        assert world.run().code == 0
        assert not due(world)  # reminded once
    finally:
        world.close()


def test_it_writes_the_answer_for_the_next_steps(remote: Remote, tmp_path: Path) -> None:
    out, sink = io.StringIO(), tmp_path / "github_output"
    sink.write_text("earlier=1\n")
    assert run(remote.clone(), _now(), out, sink) == 0
    assert sink.read_text() == "earlier=1\ndue=false\n"
    assert out.getvalue() == "jit sweep: nothing due (0 active grants); the sweep stops here\n"
    remote.commit({"requests/alice/x.yaml": "resource: db\n"})
    out = io.StringIO()
    assert run(remote.clone(), _now(), out, sink) == 0
    assert sink.read_text().endswith("due=false\ndue=true\n")
    assert "due: 1 to grant" in out.getvalue()


def test_in_doubt_it_runs_the_full_reconcile(tmp_path: Path) -> None:
    out, sink = io.StringIO(), tmp_path / "github_output"
    assert run(tmp_path / "nowhere", _now(), out, sink) == 0
    assert sink.read_text() == "due=true\n"
    assert out.getvalue().startswith("jit sweep: deciding from the checkout whether any grant")
    assert "Running the full reconcile, which reports the problem." in out.getvalue()


def test_main_reads_its_arguments(remote: Remote, tmp_path: Path) -> None:
    out, sink = io.StringIO(), tmp_path / "o"
    assert main(["--repo", str(remote.clone()), "--github-output", str(sink)], out) == 0
    assert sink.read_text() == "due=false\n"


def test_it_imports_nothing_beyond_the_standard_library(remote: Remote, tmp_path: Path) -> None:
    """-S: no site-packages, so a third-party import would fail; -I: no user site, no PYTHON*
    variables. The module is found in the checkout, as in the workflow before any install."""
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import runpy\n"
        "sys.argv = ['sweep_due', '--repo', sys.argv[2], '--github-output', sys.argv[3]]\n"
        "try:\n    runpy.run_module('jit.commands.sweep_due', run_name='__main__')\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        "mods = {m.split('.')[0] for m in sys.modules} - {'__main__', 'jit'}\n"
        "print(sorted(mods - set(sys.stdlib_module_names)))\n"
    )
    sink = tmp_path / "o"
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", probe, str(ROOT), str(remote.clone()), str(sink)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    idle = "jit sweep: nothing due (0 active grants); the sweep stops here"
    assert result.stdout.splitlines() == [idle, "[]"]
    assert sink.read_text() == "due=false\n"


def test_the_workflow_is_one_job_that_decides_before_installing() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert list(flow["jobs"]) == ["reconcile"]
    steps = flow["jobs"]["reconcile"]["steps"]
    names = [s.get("id") or s.get("name") or s["uses"] for s in steps]
    decide_at = names.index("due")
    assert "-S -m jit.commands.sweep_due" in steps[decide_at]["run"]
    # only the 5-minute sweep may stop early: a push (a merge), a dispatch and the daily run
    # always reconcile in full
    assert steps[decide_at]["if"] == (
        "github.event_name == 'schedule' && github.event.schedule == '*/5 * * * *'"
    )
    crons = [c["cron"] for c in flow[True]["schedule"]]
    assert "*/5 * * * *" in crons and len(crons) == 2
    for step in steps[decide_at + 1 :]:
        if step.get("name") == "Verify the audit log":
            assert step["if"] == "always() && steps.install.outcome == 'success'"
        else:
            assert step["if"] == "steps.due.outputs.due != 'false'", step
    before = steps[:decide_at]
    assert all("run" not in s and "App token" not in s.get("name", "") for s in before)
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert "hashFiles('requirements/runtime.txt')" in cache["with"]["key"]


def _now() -> datetime:
    return datetime.now(UTC)
