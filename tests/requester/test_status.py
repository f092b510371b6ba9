"""``jit status`` end to end through the CLI: grants and revocations from the checkout,
pending requests from the fake GitHub (skipped, and said so, without a token)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jit.adapters.github.client import GitHubClient
from jit.audit import entries
from jit.audit.store import AuditLog
from jit.reconcile.state import StateStore
from tests.reconcile.helpers import make
from tests.requester.conftest import World

REASON = "Investigate INC-4711, slow queries on orders"


def _record(world: World) -> None:
    """Alice holds one grant (1h30m left), one being revoked; bob holds one; alice's earlier
    grant was revoked 2 days ago, an older one 40 days ago."""
    now = datetime.now(UTC).replace(microsecond=0)
    store = StateStore(world.clone)
    store.write([
        make("alice-incident-4711-1a2b3c4d", request_id="requests/alice/incident-4711",
             resource="prod-db-readonly", starts_at=now - timedelta(minutes=30),
             expires_at=now + timedelta(hours=1, minutes=30, seconds=30)),
        make("alice-k8s-2b3c4d5e", request_id="requests/alice/k8s", kind="kubernetes-rolebinding",
             resource="prod-eu-view", status="revoke-pending", revoke_reason="withdrawn"),
        make("bob-x-3c4d5e6f", requester="bob", request_id="requests/bob/x"),
    ])  # fmt: skip
    log = AuditLog(world.clone)
    for gid, rid, ago in (("alice-old-4d5e6f70", "requests/alice/old", 2),
                          ("alice-older-5e6f7081", "requests/alice/older", 40)):  # fmt: skip
        at = now - timedelta(days=ago)
        log.append(
            [
                entries.granted(
                    grant_id=gid, request_id=rid, requester="alice", resource="prod-db-readonly",
                    kind="vault-credentials", pr=3, merge_commit="m" * 40, approvers=["carol"],
                    auto_approved=False, granted_at=at - timedelta(hours=1), expires_at=at,
                    handle={"lease_id": "x"},
                ),
                entries.revoked(grant_id=gid, reason="withdrawn", revoked_at=at, lag_seconds=3,
                                by="alice"),
            ],
            at,
        )  # fmt: skip


def test_my_grants_requests_and_revocations(world: World) -> None:
    opened = world.jit("request", "prod-db-readonly", "--duration", "2h", "--reason", REASON,
                       "--ticket", "INC-4711")  # fmt: skip
    assert opened.code == 0, opened.err
    pr = world.github.pulls[max(world.github.pulls)]
    jit_app = GitHubClient(world.github.APP_TOKEN, "acme/access", world.github.base_url)
    jit_app.set_status(
        pr.head_sha, "pending", "Waiting for 1 approval from acme/dba", "jit/approval"
    )
    world.github.add_pull("bob", {"requests/bob/y.yaml": "x"})  # someone else's
    _record(world)
    ran = world.jit("status")
    assert ran.code == 0, ran.err
    assert (
        "requests/alice/incident-4711 (prod-db-readonly, vault-credentials): active, 1h30m left"
        in ran.out
    )
    assert "Vault ends it by itself then" in ran.out
    assert "jit release requests/alice/incident-4711 ends it now" in ran.out
    assert "being revoked (withdrawn)" in ran.out
    assert "requests/bob" not in ran.out
    assert f"#{pr.number} " in ran.out
    assert "jit/approval pending (Waiting for 1 approval from acme/dba)" in ran.out
    assert "requests/alice/old (prod-db-readonly): withdrawn by alice" in ran.out
    assert "requests/alice/older" not in ran.out


def test_json_and_another_user(world: World) -> None:
    _record(world)
    data = json.loads(world.jit("status", "--user", "bob", "--format", "json").out)
    assert data["user"] == "bob"
    assert [g["request_id"] for g in data["grants"]] == ["requests/bob/x"]
    assert data["pending"] == [] and data["pending_skipped"] is None


def test_without_a_token_the_pull_requests_are_skipped_and_said_so(world: World) -> None:
    world.monkeypatch.setattr("jit.adapters.github.requester.run_gh_auth_token", lambda: None)
    _record(world)
    ran = world.jit("status", "--user", "alice", token=None)
    assert ran.code == 0, ran.err
    assert "not checked: no GitHub token" in ran.out
    assert "1h30m left" in ran.out
    assert world.github.calls == []
    nobody = world.jit("status", token=None)
    assert nobody.code == 2 and "--user LOGIN" in nobody.err


def test_a_github_failure_still_shows_the_rest(world: World) -> None:
    _record(world)
    world.github.fail_next("GET", "/repos/acme/access/pulls", status=502, times=10)
    ran = world.jit("status", "--user", "alice")
    assert ran.code == 4
    assert "not checked: GitHub failed" in ran.out and "1h30m left" in ran.out


def test_other_pull_requests_and_grants_being_issued(world: World) -> None:
    now = datetime.now(UTC)
    StateStore(world.clone).write(
        [
            make(
                "alice-new-6f708192",
                request_id="requests/alice/new",
                status="issuing",
                expires_at=now + timedelta(hours=1),
            )
        ]
    )
    world.github.add_pull("alice", {"README.md": "typo fixed"})  # not a request
    unchecked = world.github.add_pull("alice", {"requests/alice/later.yaml": "x"})
    jit_app = GitHubClient(world.github.APP_TOKEN, "acme/access", world.github.base_url)
    jit_app.set_status(unchecked.head_sha, "success", "", "ci/lint")
    data = json.loads(world.jit("status", "--format", "json").out)
    assert data["grants"][0]["ends"] == "being issued by the reconcile run"
    assert [(p["requests"], p["approval"]) for p in data["pending"]] == [
        (["requests/alice/later"], "not checked yet")
    ]


def test_usage_errors(world: World, tmp_path: Path) -> None:
    assert world.jit("status", "--repo", str(tmp_path / "nowhere")).code == 2
    bad = world.jit("status", "--user", "not a login")
    assert bad.code == 2 and "is not a GitHub login" in bad.err
