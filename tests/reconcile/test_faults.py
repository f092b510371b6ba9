"""Fault injection across a full cycle: issue, revocation failing three times, then success."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.reconcile.helpers import KINDS, live
from tests.reconcile.world import World


def outage(world: World, kind: str) -> Callable[[], None]:
    """Break the backend of ``kind``; return what mends it."""
    if kind == "kubernetes-rolebinding":
        world.kube.fail_next(503, times=10_000, method="DELETE")
        return world.kube._faults.clear
    world.vault.seal()
    return world.vault.unseal


@pytest.mark.parametrize("kind", list(KINDS))
def test_revocation_failing_three_times_then_succeeding_loses_and_doubles_nothing(
    world: World, kind: str
) -> None:
    world.request("alice", "x", KINDS[kind], "2h")
    assert world.run().code == 0
    (record,) = world.records().values()
    world.withdraw("alice", "x")
    mend = outage(world, kind)
    for attempt in (1, 2, 3):
        world.advance(minutes=5)
        result = world.run()
        assert result.code == 4 and "revoke-pending" in result.out, result.out
        (pending,) = world.records().values()
        assert pending.status == "revoke-pending" and pending.failures == attempt
        assert pending.revoke_reason == "withdrawn" and pending.withdrawn_by == "alice"
        assert pending.handle == record.handle
    mend()
    assert live(world, kind, record.grant_id) == 1  # never dropped while it may be live
    world.advance(minutes=5)
    result = world.run()
    assert result.code == 0, result.out
    assert world.records() == {} and live(world, kind, record.grant_id) == 0
    types = world.types(record.grant_id)
    assert types == [
        "issuing",
        "granted",
        "delivery",
        "revoke-failed",
        "revoke-failed",
        "revoke-failed",
        "revoked",
    ]
    attempts = [e["attempt"] for e in world.audit() if e["type"] == "revoke-failed"]
    assert attempts == [1, 2, 3]
    assert world.verify().ok


def test_an_expired_grant_whose_revocation_fails_stays_recorded_and_shows_as_drift(
    world: World,
) -> None:
    world.request("bob", "k8s", "orders-debug", "1h")
    world.run()
    world.advance(hours=1)
    mend = outage(world, "kubernetes-rolebinding")
    result = world.run()
    assert result.code == 4
    (record,) = world.records().values()
    assert record.status == "revoke-pending" and record.revoke_reason == "expired"
    drift = world.drift()
    assert drift.code == 1 and "still live after its end" in drift.out
    mend()
    world.advance(minutes=5)
    assert world.run().code == 0
    (entry,) = [e for e in world.audit() if e["type"] == "revoked"]
    assert entry["reason"] == "expired" and entry["lag_seconds"] == 300


def test_issuing_while_vault_is_down_keeps_the_request_pending(world: World) -> None:
    world.request("alice", "tok", "db-token")
    world.vault.seal()
    first = world.run()
    assert first.code == 4 and "stays pending" in first.out
    (record,) = world.records().values()
    assert record.status == "issuing" and world.live_tokens() == []
    world.vault.unseal()
    world.advance(minutes=5)
    assert world.run().code == 0
    (record,) = world.records().values()
    assert record.status == "active" and len(world.live_tokens()) == 1
    assert world.types(record.grant_id) == ["issuing", "grant-failed", "granted", "delivery"]
    assert world.verify().ok
