"""The grant side of ``jit reconcile``: re-verify on trusted code, intent, issue, deliver, record."""

from __future__ import annotations

from tests.reconcile.gitrepo import git
from tests.reconcile.world import World


def commits(world: World) -> list[str]:
    return world.remote.log("--format=%H").split()


def comments(world: World, number: int) -> list[str]:
    return [c.body for c in world.github.comments_on(number)]


def test_each_kind_is_granted_once_recorded_and_a_rerun_changes_nothing(world: World) -> None:
    prs = [
        world.request("alice", "db", "db-read"),
        world.request("alice", "tok", "db-token"),
        world.request("bob", "grp", "db-group"),
        world.request("bob", "k8s", "orders-debug"),
    ]
    before = commits(world)
    result = world.run()
    assert result.code == 0, result.out
    assert "4 granted" in result.out
    # the intent commit, the secrets' handles (recorded before delivery), then the results
    assert len(commits(world)) == len(before) + 3
    records = world.records()
    assert sorted(r.status for r in records.values()) == ["active"] * 4
    assert sorted(r.kind for r in records.values()) == [
        "kubernetes-rolebinding",
        "vault-credentials",
        "vault-group",
        "vault-token",
    ]
    for record in records.values():
        assert record.approvers == ("carol",) and record.merge_commit == record.added_commit
        assert world.types(record.grant_id) == ["issuing", "granted", "delivery"]
    assert len(world.live_tokens()) == 2  # the vault-token grant, the credentials' holder
    assert len(world.live_leases()) == 1
    assert world.groups() == [
        r.handle["group"] for r in records.values() if r.kind == "vault-group"
    ]  # type: ignore[index]
    assert len(world.bindings()) == 1
    assert "BEGIN AGE ENCRYPTED FILE" in comments(world, prs[0].number)[0]
    assert "BEGIN AGE ENCRYPTED FILE" in comments(world, prs[1].number)[0]
    assert "access granted" in comments(world, prs[2].number)[0]
    assert world.verify().ok

    head, writes = commits(world)[0], len(world.vault.requests)
    again = world.run()
    assert again.code == 0 and "0 granted" in again.out
    assert commits(world)[0] == head
    issued_again = [
        r for r in world.vault.requests[writes:] if "create" in r.path or r.path.endswith("wrap")
    ]
    assert issued_again == []
    assert [len(comments(world, pr.number)) for pr in prs] == [1, 1, 1, 1]


def test_commits_are_by_the_bot_with_trailers(world: World) -> None:
    pr = world.request("alice", "db", "db-read")
    world.run()
    gid = next(iter(world.records()))
    log = git(world.remote.path, "log", "-3", "--format=%an <%ae>%n%B%n--", "main")
    assert log.count("jit-bot <jit-bot@users.noreply.github.com>") == 3
    assert "jit: intent to issue 1 grant(s)" in log and "jit: grant 1" in log
    assert "jit: issued 1" in log
    assert f"Jit-Grant: {gid}" in log and f"Jit-PR: {pr.number}" in log
    assert "Jit-Request: requests/alice/db" in log


def test_not_before_in_the_future_waits_then_starts_then(world: World) -> None:
    world.request("alice", "later", "db-token", not_before="2026-01-05T10:00:00Z")
    first = world.run()
    assert first.code == 0 and "1 waiting" in first.out and world.records() == {}
    world.advance(minutes=59, seconds=59)
    assert world.run().code == 0 and world.records() == {}
    world.advance(seconds=1)
    assert world.run().code == 0
    (record,) = world.records().values()
    assert record.starts_at == world.clock.now() and record.status == "active"


def test_a_request_merged_without_approval_is_denied_once_and_retired(world: World) -> None:
    pr = world.request("alice", "db", "db-read", approver=None)
    result = world.run()
    assert result.code == 1 and "1 denied" in result.out
    assert world.records() == {} and world.live_tokens() == []
    assert world.remote.ls("requests") == ["requests/README.md"]
    assert world.types() == ["requested", "denied"]
    (body,) = comments(world, pr.number)
    assert "was not granted" in body and "merged without the approvals" in body
    again = world.run()
    assert again.code == 0 and world.types() == ["requested", "denied"]


def test_a_file_pushed_straight_to_main_is_denied(world: World) -> None:
    world.direct({"requests/alice/sneaky.yaml": world.request_text("alice", "db-read", "1h")})
    result = world.run()
    assert result.code == 1
    (entry,) = [e for e in world.audit() if e["type"] == "denied"]
    assert "No merged pull request" in str(entry["reasons"]) and entry["pr"] is None
    assert world.live_tokens() == []


def test_someone_else_cannot_request_for_the_requester(world: World) -> None:
    path = "requests/alice/db.yaml"
    pr = world.github.add_pull("bob", {path: world.request_text("alice", "db-read", "1h")})
    world.github.add_review(pr, "carol")
    world.merge(pr, {path: world.github.tree(pr.head_sha)[path].decode()})
    assert world.run().code == 1
    assert "people request access for themselves only" in comments(world, pr.number)[0]


def test_a_file_changed_on_main_after_review_is_denied(world: World) -> None:
    pr = world.request("alice", "db", "db-read", "1h")
    world.direct({"requests/alice/db.yaml": world.request_text("alice", "db-read", "8h")})
    assert world.run().code == 1
    assert "not what was reviewed" in comments(world, pr.number)[0]


def test_an_invalid_file_is_denied_with_its_findings(world: World) -> None:
    pr = world.request("alice", "db", "no-such-resource")
    assert world.run().code == 1
    (entry,) = [e for e in world.audit() if e["type"] == "denied"]
    assert "no-such-resource" in str(entry["reasons"])
    assert "no-such-resource" in comments(world, pr.number)[0]


def test_a_github_failure_keeps_the_request_pending_for_the_next_run(world: World) -> None:
    world.request("alice", "db", "db-read")
    world.github.fail_next("GET", "/repos/acme/access/commits/*/pulls", status=500, times=99)
    result = world.run()
    assert result.code == 4 and "stays pending" in result.out
    assert world.records() == {} and world.audit() == []
    world.github.faults.clear()  # GitHub is back
    assert world.run().code == 0 and len(world.records()) == 1


def test_no_usable_ssh_key_refuses_and_waits_for_one(world: World) -> None:
    world.github.user("bob", keys=[])
    pr = world.request("bob", "tok", "db-token")
    result = world.run()
    assert result.code == 0 and "add an SSH key" in result.out
    assert world.records() == {} and world.live_tokens() == [] and world.audit() == []
    assert "has not delivered" in comments(world, pr.number)[0]
    world.add_key("bob")
    assert world.run().code == 0
    (body,) = comments(world, pr.number)  # the refusal was edited into the delivery
    assert "BEGIN AGE ENCRYPTED FILE" in body and len(world.live_tokens()) == 1


def test_a_vault_group_for_someone_without_an_entity_fails_and_is_retried(
    world: World,
) -> None:
    world.github.add_team("acme/engineering", ["frank"])
    world.add_key("frank")
    world.request("frank", "grp", "db-group")
    first = world.run()
    assert first.code == 4 and "no Vault identity yet" in first.out
    (record,) = world.records().values()
    assert record.status == "issuing" and record.run_id == ""
    assert world.types() == ["requested", "issuing", "grant-failed"]
    world.vault.add_entity("frank")
    world.advance(minutes=5)
    assert world.run().code == 0
    (record,) = world.records().values()
    assert record.status == "active" and world.groups() == [record.handle["group"]]  # type: ignore[index]
    assert world.verify().ok


def test_a_request_for_a_resource_whose_policy_is_broken_waits_for_the_fix(
    world: World,
) -> None:
    from tests.reconcile.world import RESOURCES

    broken = RESOURCES.replace(
        "max_duration: 8h\n    approvals: [{from: [acme/dba], count: 1}]\n  db-token:",
        "max_duration: forever\n    approvals: [{from: [acme/dba], count: 1}]\n  db-token:",
    )
    assert broken != RESOURCES
    world.direct({"policies/resources.yaml": broken})
    world.request("alice", "db", "db-read")
    result = world.run()
    assert result.code == 1 and "Blocked until main is fixed" in result.out
    assert world.audit() == [] and world.remote.ls("requests/alice") == ["requests/alice/db.yaml"]
    world.direct({"policies/resources.yaml": RESOURCES})
    assert world.run().code == 0 and len(world.records()) == 1
