"""``jit reconcile`` / ``jit drift`` as commands: dry run, no push, drift, refusals, output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jit.cli import cli
from jit.errors import JitError
from tests.reconcile.gitrepo import git
from tests.reconcile.world import World


def test_dry_run_shows_the_plan_and_touches_nothing(world: World) -> None:
    world.request("alice", "db", "db-read")
    world.request("bob", "later", "db-token", not_before="2026-01-06T09:00:00Z")
    head, seen = world.remote.log("-1", "--format=%H"), len(world.vault.requests)
    result = world.run(dry_run=True)
    assert result.code == 0
    assert "grant (after re-verification): requests/alice/db" in result.out
    assert "wait until 2026-01-06 09:00:00+00:00: requests/bob/later" in result.out
    assert world.remote.log("-1", "--format=%H") == head and len(world.vault.requests) == seen
    assert world.github.count("POST") == 0


def test_no_push_commits_locally_only(world: World) -> None:
    world.request("alice", "db", "db-read")
    head = world.remote.log("-1", "--format=%H")
    result = world.run(push=False)
    assert result.code == 0
    assert world.remote.log("-1", "--format=%H") == head
    # the intent, the handle recorded before delivery, the result
    assert git(result.root, "rev-list", "--count", "origin/main..HEAD").strip() == "3"


def test_the_job_summary_annotations_and_masking_in_actions(world: World, tmp_path: Path) -> None:
    world.request("alice", "tok", "db-token")
    summary = tmp_path / "summary.md"
    result = world.run(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary), GITHUB_RUN_ID="77")
    assert result.code == 0
    text = summary.read_text()
    assert text.startswith("## jit reconcile: 1 granted") and "### Granted" in text
    masked = [line for line in result.out.splitlines() if line.startswith("::add-mask::")]
    assert len(masked) == 3  # the OIDC ID token, the Vault login token, the wrapping token
    (record,) = world.records().values()
    assert record.run_id == "77-1"


def test_failures_become_error_annotations_in_actions(world: World) -> None:
    world.request("bob", "k8s", "orders-debug")
    world.kube.fail_next(503, times=100, method="POST")
    result = world.run(GITHUB_ACTIONS="true")
    assert result.code == 4
    assert "::error title=jit reconcile::bob-k8s-" in result.out


def test_drift_finds_what_nobody_recorded_and_what_is_gone(world: World) -> None:
    world.request("bob", "k8s", "orders-debug")
    world.request("alice", "grp", "db-group")
    world.run()
    clean = world.drift()
    assert clean.code == 0 and "0 finding(s) over 2 recorded grant(s)" in clean.out
    stray = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {
            "name": "jit-mallory-x-12345678",
            "namespace": "orders",
            "labels": {
                "app.kubernetes.io/managed-by": "jit",
                "jit.dev/grant": "mallory-x-12345678",
            },
        },
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "admin",
        },
        "subjects": [
            {"kind": "User", "name": "mallory@example.com", "apiGroup": "rbac.authorization.k8s.io"}
        ],
    }
    world.cluster.seed(stray, world.clock.now)
    (group,) = world.groups()
    world.vault.identity.groups.clear()
    found = world.drift("json")
    assert found.code == 1
    items = json.loads(found.out)["drift"]
    assert sorted(i["what"] for i in items) == ["gone", "unrecorded"]
    assert any(i["grant_id"] == group.removeprefix("jit-") for i in items)
    reconciled = world.run()
    assert reconciled.code == 0 and "2 drift" in reconciled.out


def test_refuses_a_dirty_shallow_or_diverged_checkout(world: World) -> None:
    root = world.checkout()
    (root / "state").mkdir()
    (root / "state/leftover.json").write_text("{}")
    with pytest.raises(JitError, match="uncommitted changes"):
        world.run_in(root)
    root = world.checkout()
    (root / "x").write_text("x")
    git(root, "add", "x")
    git(root, "commit", "-q", "-m", "local")
    with pytest.raises(JitError, match="not on origin/main"):
        world.run_in(root)
    shallow = world.tmp / "shallow"
    git(world.tmp, "clone", "-q", "--depth=1", f"file://{world.remote.path}", str(shallow))
    with pytest.raises(JitError, match="shallow"):
        world.run_in(shallow)


def test_a_checkout_behind_the_remote_is_brought_up_to_date(world: World) -> None:
    root = world.checkout()
    world.request("alice", "db", "db-read")
    assert world.run_in(root).code == 0 and len(world.records()) == 1


def test_broken_settings_stop_the_run(world: World) -> None:
    world.direct({"policies/settings.yaml": "vault: [not, a, mapping]\n"})
    with pytest.raises(JitError, match=r"settings\.yaml has errors"):
        world.run()


def test_the_cli_runs_the_commands(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    root = world.checkout()
    monkeypatch.chdir(root)
    for key, value in world.env().items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    dry = runner.invoke(cli, ["reconcile", "--dry-run"], standalone_mode=False)
    assert dry.exception is None and "jit reconcile --dry-run" in dry.output
    drift = runner.invoke(cli, ["drift", "--format", "json"], standalone_mode=False)
    assert drift.exception is None and json.loads(drift.output)["drift"] == []
    done = runner.invoke(cli, ["reconcile", "--no-push"], standalone_mode=False)
    assert done.exception is None and done.return_value == 0
