"""Merge-time checks an admin's bypass of branch protection must not get past: the merged PR's
other files, and reviews submitted after the merge."""

from __future__ import annotations

from tests.reconcile.world import RESOURCES, World

#: The PR's own policy change: db-read needs no approval for engineering any more.
LOOSENED = RESOURCES.replace(
    "    approvals: [{from: [acme/dba], count: 1}]\n  db-token:",
    "    auto_approve: [{requester_in: [acme/engineering]}]\n  db-token:",
    1,
)


def comments(world: World, number: int) -> list[str]:
    return [c.body for c in world.github.comments_on(number)]


def test_a_request_merged_with_a_policy_change_is_denied_once(world: World) -> None:
    assert LOOSENED != RESOURCES
    path = "requests/alice/db.yaml"
    files = {
        path: world.request_text("alice", "db-read", "2h"),
        "policies/resources.yaml": LOOSENED,
    }
    pr = world.github.add_pull("alice", files)
    world.merge(pr, files)  # an admin bypassed branch protection: no review, no status
    result = world.run()
    assert result.code == 1 and "1 denied" in result.out, result.out
    assert world.records() == {} and world.live_leases() == [] and world.live_tokens() == []
    (entry,) = [e for e in world.audit() if e["type"] == "denied"]
    reasons = entry["reasons"]
    assert isinstance(reasons, list)
    (reason,) = reasons
    assert reason == (
        f"The pull request that merged this request (#{pr.number}) also changed "
        "policies/resources.yaml; a request must be merged in a pull request of its own, so "
        "that it is judged by policies and code it cannot change. Open a new request."
    )
    (body,) = comments(world, pr.number)
    assert "was not granted" in body and "policies/resources.yaml" in body
    assert world.github.count("GET", f"/repos/acme/access/pulls/{pr.number}/files") == 1
    assert world.remote.ls("requests") == ["requests/README.md"]
    again = world.run()
    assert again.code == 0 and world.types() == ["requested", "denied"]


def test_every_foreign_file_is_named_and_hostile_names_stay_on_one_line(world: World) -> None:
    path, text = "requests/alice/db.yaml", world.request_text("alice", "db-read", "2h")
    pr = world.github.add_pull(
        "alice",
        {
            path: text,
            ".github/workflows/x.yml": "on: push\n",
            "jit/policy.py": "ALLOW = True\n",
            "schemas/a\n::warning::b.json": "{}\n",
        },
    )
    world.github.add_review(pr, "carol")
    world.merge(pr, {path: text})
    result = world.run()
    assert result.code == 1
    (entry,) = [e for e in world.audit() if e["type"] == "denied"]
    reasons = entry["reasons"]
    assert isinstance(reasons, list)
    (reason,) = reasons
    assert (
        "also changed .github/workflows/x.yml, jit/policy.py, schemas/a\\n::warning::b.json;"
        in (str(reason))
    )
    assert "\n::warning" not in result.out


def test_a_request_merged_together_with_a_withdrawal_is_still_granted(world: World) -> None:
    old = "requests/bob/k8s.yaml"
    text = "requester: bob\nresource: orders-debug\nduration: 8h\nreason: " + "x" * 300 + "\n"
    first = world.github.add_pull("bob", {old: text})
    world.github.add_review(first, "carol")
    world.merge(first, {old: text})
    assert world.run().code == 0 and world.bindings() != []
    path = "requests/alice/db.yaml"
    files = {path: world.request_text("alice", "db-read", "2h"), old: None}
    pr = world.github.add_pull("alice", files)
    assert {f.status for f in world.github.diff(pr.base_sha, pr.head_sha)} == {"added", "removed"}
    world.github.add_review(pr, "carol")
    world.merge(pr, files)
    result = world.run()
    assert result.code == 0 and "1 granted" in result.out and "1 revoked" in result.out


def test_a_request_renamed_from_another_is_denied_and_the_rename_named(world: World) -> None:
    world.request("bob", "k8s", "orders-debug")
    assert world.run().code == 0
    path = "requests/bob/db.yaml"
    files = {path: world.request_text("bob", "db-read", "2h"), "requests/bob/k8s.yaml": None}
    pr = world.github.add_pull("bob", files)
    world.github.add_review(pr, "carol")
    world.merge(pr, files)
    result = world.run()
    assert result.code == 1 and "1 revoked" in result.out  # withdrawing is always safe
    (entry,) = [e for e in world.audit() if e["type"] == "denied"]
    assert "also changed requests/bob/k8s.yaml (renamed to requests/bob/db.yaml);" in str(
        entry["reasons"]
    )


def test_many_foreign_files_are_counted_and_an_unlistable_pr_is_denied(world: World) -> None:
    some = {f"docs/{n}.md": "x\n" for n in range(7)}
    all_of_them = {f"docs/{n:04d}.md": f"{n}\n" for n in range(3000)}
    numbers = []
    for name, extra in (("some", some), ("all", all_of_them)):
        path = f"requests/alice/{name}.yaml"
        text = world.request_text("alice", "db-read", "2h")
        pr = world.github.add_pull("alice", {path: text, **extra})
        world.github.add_review(pr, "carol")
        world.merge(pr, {path: text})
        numbers.append(pr.number)
    assert world.run().code == 1 and world.records() == {}
    reasons = {e["pr"]: str(e["reasons"]) for e in world.audit() if e["type"] == "denied"}
    assert "docs/4.md and 2 more file(s);" in reasons[numbers[0]]
    assert "changes 3000 or more files" in reasons[numbers[1]]
    assert "merged in a pull request of its own" in reasons[numbers[1]]


def test_github_budget_per_grant_counts_the_pr_file_list(world: World) -> None:
    """Seven calls per grant: the commit's PRs, the PR's files (one per 100), the file at head,
    the reviews, the PR's commits (who pushed; one per 100), then the comment list and the
    delivery comment. SSH keys (per requester) and
    team lookups (per team and login) are cached for the run."""
    prs = [world.request(login, "db", "db-read") for login in ("alice", "bob")]
    world.github.reset_calls()
    assert world.run().code == 0
    per_grant = [
        ("GET", "/repos/acme/access/commits/*/pulls"),
        ("GET", "/repos/acme/access/pulls/{n}/files"),
        ("GET", "/repos/acme/access/contents/requests/*"),
        ("GET", "/repos/acme/access/pulls/{n}/reviews"),
        ("GET", "/repos/acme/access/pulls/{n}/commits"),
        ("GET", "/repos/acme/access/issues/{n}/comments"),
        ("POST", "/repos/acme/access/issues/{n}/comments"),
    ]
    for pr in prs:
        for method, path in per_grant:
            pattern = path.replace("{n}", str(pr.number))
            expected = 2 if "{n}" not in path else 1  # patterns without {n} match both grants
            assert world.github.count(method, pattern) == expected, (method, pattern)
    cached = world.github.count("GET", "/users/*/keys") + world.github.count("GET", "/orgs/*")
    cached += world.github.count("GET", "/organizations/*")
    assert len(world.github.calls) == 7 * len(prs) + cached


def test_an_approval_submitted_after_the_merge_does_not_count(world: World) -> None:
    pr = world.request("alice", "db", "db-read", approver=None)
    world.github.add_review(pr, "carol")  # on the head commit, but after the merge
    result = world.run()
    assert result.code == 1 and "1 denied" in result.out
    assert world.records() == {} and world.live_leases() == []
    (entry,) = [e for e in world.audit() if e["type"] == "denied"]
    assert "merged without the approvals policy requires" in str(entry["reasons"])


def test_a_review_after_the_merge_does_not_undo_an_approval_before_it(world: World) -> None:
    pr = world.request("alice", "db", "db-read")  # carol approved, then it was merged
    world.github.add_review(pr, "carol", "CHANGES_REQUESTED")
    result = world.run()
    assert result.code == 0 and "1 granted" in result.out
    (record,) = world.records().values()
    assert record.approvers == ("carol",)
