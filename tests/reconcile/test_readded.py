"""A request file withdrawn and added again at the same path before a run: the run revokes
the old grant and grants the new one, and retiring the old grant's file must not retire the
new request (which would withdraw the new grant on the next run)."""

from __future__ import annotations

import pytest

from tests.reconcile.helpers import live
from tests.reconcile.world import World


@pytest.mark.parametrize("resource", ["orders-debug", "db-token"])
def test_a_request_readded_at_the_same_path_keeps_its_new_grant(
    world: World, resource: str
) -> None:
    world.request("alice", "x", resource, "2h")
    assert world.run().code == 0
    (old,) = world.records()
    world.withdraw("alice", "x")
    world.request("alice", "x", resource, "1h")  # GitHub's concurrency group dropped a run
    result = world.run()
    assert result.code == 0, result.out
    assert world.types(old)[-1] == "revoked"
    (new,) = world.records().values()
    assert new.grant_id != old and new.status == "active"
    assert "requests/alice/x.yaml" in world.remote.ls("requests")
    world.advance(minutes=5)
    again = world.run()
    assert again.code == 0, again.out
    assert world.records()[new.grant_id].status == "active"
    assert live(world, new.kind, new.grant_id) == 1
    assert world.verify().ok
