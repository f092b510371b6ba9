"""Merge time: an approval by someone who pushed a commit to the request PR does not count,
whatever the PR-time status said (an admin can merge past it)."""

from __future__ import annotations

from tests.reconcile.world import World

PATH = "requests/alice/db.yaml"


def test_an_approver_who_pushed_to_the_request_is_not_counted_at_merge_time(
    world: World,
) -> None:
    pr = world.github.add_pull("alice", {PATH: world.request_text("alice", "db-read", "1h")})
    longer = world.request_text("alice", "db-read", "2h")
    world.github.push(pr, {PATH: longer}, by="dave")  # dave is in acme/dba: he may approve
    world.github.add_review(pr, "dave")
    world.merge(pr, {PATH: longer})
    result = world.run()
    assert result.code == 1 and "1 denied" in result.out, result.out
    assert world.records() == {} and world.live_leases() == []
    (entry,) = [e for e in world.audit() if e["type"] == "denied"]
    reasons = entry["reasons"]
    assert isinstance(reasons, list) and len(reasons) == 2
    assert "merged without the approvals policy requires" in reasons[0]
    assert reasons[1] == (
        "Not counted: dave pushed a commit to this pull request, so their approval does not "
        "count; ask someone who did not change it."
    )
    (body,) = [c.body for c in world.github.comments_on(pr.number)]
    assert "dave pushed a commit to this pull request" in body


def test_the_same_pr_approved_by_someone_else_is_granted(world: World) -> None:
    pr = world.github.add_pull("alice", {PATH: world.request_text("alice", "db-read", "1h")})
    longer = world.request_text("alice", "db-read", "2h")
    world.github.push(pr, {PATH: longer}, by="dave")
    world.github.add_review(pr, "dave")
    world.github.add_review(pr, "carol")
    world.merge(pr, {PATH: longer})
    result = world.run()
    assert result.code == 0 and "1 granted" in result.out, result.out
    assert [r.approvers for r in world.records().values()] == [("carol",)]
