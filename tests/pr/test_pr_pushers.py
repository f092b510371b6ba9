"""Someone who pushed a commit to a request PR cannot also approve it (like GitHub's "Require
approval of the most recent reviewable push"): ``jit pr`` end to end against the fake GitHub."""

from __future__ import annotations

from tests.pr.conftest import World, request

PATH = "requests/alice/incident-4711.yaml"
PUSHED = (
    "dave pushed a commit to this pull request, so their approval does not count; ask someone "
    "who did not change it"
)


def test_an_approver_who_pushed_to_the_request_does_not_count(world: World) -> None:
    world.fake.set_membership("acme/dba", "dave")  # an active dba member, who may approve
    pr = world.open("alice", {PATH: request()})
    world.opened(pr)
    world.fake.push(pr, {PATH: request(duration="4h")}, by="dave")  # a longer duration
    world.fake.add_review(pr, "dave")
    result = world.reviewed(pr)
    assert result.code == 0, result.err
    assert world.status(pr).state == "pending"
    plan = world.plan(pr)
    assert "| 1 | `acme/dba`, `zoe` | 1 | — | ⏳ 1 missing |" in plan
    assert f"- `dave`: {PUSHED}" in plan
    # dave's membership was not even looked up: his approval could not count anyway.
    assert world.fake.count("GET", "*/memberships/dave") == 0

    world.fake.add_review(pr, "carol")  # someone who did not change it
    assert world.reviewed(pr).code == 0
    assert world.status(pr).state == "success"
    assert "| 1 | `acme/dba`, `zoe` | 1 | `carol` | ✅ met |" in world.plan(pr)
    assert world.fake.count("GET", "*/memberships/carol") == 1
