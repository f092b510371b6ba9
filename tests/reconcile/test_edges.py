"""Edge cases: hand-made records, ambiguous PRs, GitHub failing mid-revocation, uncommitted
files, drift that cannot reach a backend."""

from __future__ import annotations

import json
from datetime import timedelta

import requests

from tests.reconcile.helpers import make
from tests.reconcile.world import World


def test_a_record_without_a_handle_is_never_dropped(world: World) -> None:
    now = world.clock.now()
    record = make(
        "alice-ghost-00000000",
        kind="kubernetes-rolebinding",
        request_path="requests/alice/ghost.yaml",
        handle=None,
        starts_at=now,
        expires_at=now + timedelta(hours=1),
    )
    world.direct({"state/grants/alice-ghost-00000000.json": record.to_json()})
    result = world.run()
    assert result.code == 4 and "the record has no handle to revoke by" in result.out
    (pending,) = world.records().values()
    assert pending.status == "revoke-pending" and pending.withdrawn_by is None


def test_a_commit_in_several_merged_prs_is_refused(world: World) -> None:
    first = world.request("alice", "db", "db-read")
    twin = world.github.add_pull("alice", {"requests/alice/other.yaml": "x: 1\n"})
    world.github.merge(twin)
    twin.merge_commit_sha = first.merge_commit_sha
    world.github.repo.branches["main"] = first.merge_commit_sha or ""
    assert world.run().code == 1
    (entry,) = [e for e in world.audit() if e["type"] == "denied"]
    assert "belongs to several merged pull requests" in str(entry["reasons"])


def test_who_withdrew_is_unknown_when_github_fails_but_revocation_goes_on(world: World) -> None:
    world.request("bob", "k8s", "orders-debug")
    world.run()
    world.withdraw("bob", "k8s")
    world.github.fail_next("GET", "/repos/acme/access/commits/*/pulls", status=500, times=99)
    result = world.run()
    assert result.code == 0 and "could not tell who withdrew it" in result.out
    (entry,) = [e for e in world.audit() if e["type"] == "revoked"]
    assert entry["reason"] == "withdrawn" and "by" not in entry
    world.github.faults.clear()


def test_an_uncommitted_request_file_is_skipped_in_a_dry_run(world: World) -> None:
    root = world.checkout()
    (root / "requests/alice").mkdir(parents=True)
    (root / "requests/alice/local.yaml").write_text(world.request_text("alice", "db-read", "1h"))
    result = world.run_in(root, dry_run=True)
    assert (
        result.code == 0 and "note: requests/alice/local.yaml: not committed on main" in result.out
    )
    assert "grant (after re-verification)" not in result.out


def test_drift_that_cannot_reach_a_backend_exits_4_naming_it(world: World) -> None:
    world.request("alice", "grp", "db-group")
    world.request("bob", "k8s", "orders-debug")
    world.run()
    world.vault.seal()
    world.kube.fail_next(503, times=10_000, method="GET")
    found = world.drift()
    assert found.code == 4 and "0 finding(s)" in found.out
    assert "not checked: Vault: cannot connect" in found.out and "sealed" in found.out
    assert "not checked: Kubernetes: drift: listing bindings in prod-eu" in found.out
    assert "`jit doctor` checks each piece" in found.out


def test_drift_against_a_vault_refusing_connections_exits_4(world: World) -> None:
    world.request("alice", "grp", "db-group")
    world.request("alice", "tok", "db-token")
    world.run()
    world.vault.fail_next("*", "*", exc=requests.ConnectionError, times=10_000)
    found = world.drift("json")
    assert found.code == 4
    report = json.loads(found.out)
    assert report["drift"] == []
    (problem,) = report["unchecked"]  # the login is tried once, not once per grant
    assert problem.startswith("Vault: cannot connect, so its grants were not checked:")
    assert "auth/jwt/login" in problem


def test_drift_when_vault_refuses_the_login_exits_4(world: World) -> None:
    world.request("alice", "grp", "db-group")
    world.run()
    world.vault.fail_next("POST", "auth/jwt/login", 403, times=10)
    found = world.drift()
    assert found.code == 4
    assert "Vault: cannot connect" in found.out and "Vault denied POST auth/jwt/login" in found.out


def test_drift_when_kubernetes_is_down_exits_4(world: World) -> None:
    world.request("bob", "k8s", "orders-debug")
    world.run()
    world.kube.fail_next(exception=requests.ConnectionError, times=10_000)
    found = world.drift()
    assert found.code == 4
    assert "bob-k8s-" in found.out and "Kubernetes drift check skipped" in found.out


def test_drift_with_nothing_recorded_and_every_backend_reachable_exits_0(world: World) -> None:
    found = world.drift()
    assert found.code == 0 and "not checked" not in found.out
