"""``jit pr`` end to end, one test per step of a request PR's life.

Each step runs the real command (``jit.cli.main``) in the Actions environment against the
fake GitHub, on the trigger the shipped workflows use for it: ``pull_request_target`` for
PR events, ``workflow_run`` (after the review relay) for reviews.
"""

from __future__ import annotations

from tests.pr.conftest import World, request

PATH = "requests/alice/incident-4711.yaml"


def test_1_open_posts_the_plan_requests_reviewers_and_is_pending(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    result = world.opened(pr)
    assert result.code == 0, result.err
    status = world.status(pr)
    assert (status.state, status.context) == ("pending", "jit/approval")
    assert status.description == (
        "Waiting for 1 approval on 1 request; see the jit plan comment for who may approve."
    )
    plan = world.plan(pr)
    assert "## ⏳ jit plan: waiting for approvals" in plan
    assert "| 1 | `acme/dba`, `zoe` | 1 | — | ⏳ 1 missing |" in plan
    assert "| Ends | 2024-06-03 11:30 UTC, 2h after the start |" in plan
    assert (pr.requested_users, pr.requested_teams) == (["zoe"], ["dba"])
    assert world.summary.read_text() == plan
    assert result.out == ""  # no findings, no annotations
    assert "#1 at" in result.err and "Waiting for 1 approval" in result.err


def test_2_invalid_then_fixed_by_a_new_push(world: World) -> None:
    pr = world.open("alice", {PATH: request(duration="8h")})
    result = world.opened(pr)
    assert result.code == 1
    assert world.status(pr).state == "failure"
    assert world.status(pr).description.startswith("Invalid: 1 error in 1 file")
    assert result.out.startswith(f"::error file={PATH},line=3,col=11,title=jit duration-over-max::")
    assert "❌ jit plan: invalid" in world.plan(pr)
    assert (pr.requested_users, pr.requested_teams) == ([], [])  # nobody asked to judge it

    result = world.pushed(pr, {PATH: request(duration="2h")})
    assert result.code == 0, result.err
    assert world.status(pr).state == "pending"
    assert len(world.plan_comments(pr)) == 1  # edited in place
    assert "⏳ jit plan: waiting for approvals" in world.plan(pr)
    assert (pr.requested_users, pr.requested_teams) == (["zoe"], ["dba"])


def test_3_approval_by_the_requester_does_not_count(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    world.opened(pr)
    review = world.fake.add_review(pr, "alice")
    result = world.run("pull_request_review", world.events.review(pr, review), pr)
    assert result.code == 0, result.err
    assert world.status(pr).state == "pending"
    plan = world.plan(pr)
    assert "Approvals seen but not counted (1)" in plan
    assert "- `alice`: alice is the requester" in plan


def test_4_approval_by_a_non_member_does_not_count(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    world.opened(pr)
    world.fake.add_review(pr, "bob")  # engineering, not dba
    world.fake.add_review(pr, "dave")  # invited to dba, not yet a member
    result = world.reviewed(pr)
    assert result.code == 0, result.err
    assert world.status(pr).state == "pending"
    plan = world.plan(pr)
    assert "Approvals seen but not counted (2)" in plan
    assert "- `bob`: bob may not approve stage 1" in plan
    assert "- `dave`: dave may not approve stage 1" in plan


def test_5_approval_by_a_member_on_an_old_commit_does_not_count(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    world.opened(pr)
    old = pr.head_sha
    world.fake.push(pr, {PATH: request(duration="1h")})
    world.fake.add_review(pr, "carol", commit_id=old)
    result = world.reviewed(pr)
    assert result.code == 0, result.err
    assert world.status(pr).state == "pending"
    assert f"carol approved commit {old[:7]}" in world.plan(pr)


def test_6_approval_on_the_head_commit_succeeds(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    world.opened(pr)
    world.fake.add_review(pr, "carol")
    result = world.reviewed(pr)
    assert result.code == 0, result.err
    status = world.status(pr)
    assert (status.state, status.description) == ("success", "Ready to merge: 1 request approved.")
    plan = world.plan(pr)
    assert "## ✅ jit plan: ready to merge" in plan
    assert "| 1 | `acme/dba`, `zoe` | 1 | `carol` | ✅ met |" in plan


def test_7_a_new_push_dismisses_the_approval_and_it_is_pending_again(world: World) -> None:
    world.fake.dismiss_stale_reviews = True
    pr = world.open("alice", {PATH: request()})
    world.opened(pr)
    world.fake.add_review(pr, "carol")
    world.reviewed(pr)
    approved_head = pr.head_sha
    assert world.status(pr).state == "success"

    result = world.pushed(pr, {PATH: request(duration="1h")})
    assert result.code == 0, result.err
    assert pr.head_sha != approved_head
    assert world.status(pr).state == "pending"
    assert "carol's review was dismissed" in world.plan(pr)
    assert len(world.plan_comments(pr)) == 1
