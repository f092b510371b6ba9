"""Who withdrew a grant: the requester, a revoker, or neither. Revoking is always safe, so it
happens either way; the requester is told which it was on their PR."""

from __future__ import annotations

import pytest

from jit.adapters.git import Git
from jit.errors import JitError
from tests.reconcile.world import World


def revoked_comment(world: World, number: int) -> str:
    (body,) = [c.body for c in world.github.comments_on(number) if "jit:revoked" in c.body]
    return body


def test_the_revoked_comment_says_whether_the_withdrawer_was_the_requester_or_a_revoker(
    world: World,
) -> None:
    own = world.request("bob", "k8s", "orders-debug")
    other = world.request("alice", "grp", "db-group")
    stranger = world.request("alice", "tok", "db-token")
    assert world.run().code == 0
    world.withdraw("bob", "k8s")
    world.withdraw("alice", "grp", by="erin")  # acme/security: revokers in settings
    world.withdraw("alice", "tok", by="mallory")  # merged although the validator refused it
    result = world.run()
    assert result.code == 0 and "3 revoked" in result.out
    assert world.records() == {} and world.live_tokens() == []
    assert "withdrawn by bob (the requester)" in revoked_comment(world, own.number)
    assert "withdrawn by erin (a revoker of this resource)" in revoked_comment(world, other.number)
    body = revoked_comment(world, stranger.number)
    assert "withdrawn by mallory, who is neither the requester nor a revoker" in body
    assert "db-token for alice: withdrawn by mallory (neither the requester nor a revoker)" in (
        result.out
    )
    logged = {
        (e.get("by"), e.get("by_role"), e["reason"])
        for e in world.audit()
        if e["type"] == "revoked"
    }
    assert logged == {
        ("bob", "requester", "withdrawn"),
        ("erin", "revoker", "withdrawn"),
        ("mallory", "neither", "withdrawn"),
    }
    assert world.verify().ok


def test_a_revoker_team_lookup_that_fails_leaves_the_role_unsaid(world: World) -> None:
    pr = world.request("alice", "grp", "db-group")
    assert world.run().code == 0
    world.withdraw("alice", "grp", by="erin")
    world.github.fail_next("GET", "/orgs/acme/teams/security", status=500, times=99)
    result = world.run()
    assert result.code == 0 and "1 revoked" in result.out
    assert "could not tell whether erin is a revoker" in result.out
    body = revoked_comment(world, pr.number)
    assert "withdrawn by erin, and checked gone" in body
    (entry,) = [e for e in world.audit() if e["type"] == "revoked"]
    assert entry["by"] == "erin" and "by_role" not in entry


def test_git_failing_to_say_who_withdrew_never_holds_up_the_revocation(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.request("bob", "k8s", "orders-debug")
    assert world.run().code == 0
    world.withdraw("bob", "k8s")

    def broken(*_args: object) -> str:
        raise JitError("running git log: fatal: bad object")

    monkeypatch.setattr(Git, "deleting_commit", broken)
    result = world.run()
    assert result.code == 0 and "1 revoked" in result.out, result.out
    assert world.records() == {} and world.bindings() == []
    assert "could not tell who withdrew it" in result.out
