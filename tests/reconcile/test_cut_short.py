"""Vault may end a grant before its end (a max TTL on Vault's side is shorter): jit records the
end Vault reports, says so in the job log and tells the requester in the delivery comment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.reconcile.world import World


@pytest.mark.parametrize("resource", ["db-token", "db-read"])
def test_a_grant_vault_cuts_short_is_recorded_with_vaults_end(world: World, resource: str) -> None:
    world.vault.mounts["auth/token/"].max_lease_ttl = 3600  # the token mount allows 1h
    pr = world.request("alice", "long", resource, "2h")

    result = world.run()

    assert result.code == 0, result.out
    (record,) = world.records().values()
    assert record.granted_at is not None
    assert record.expires_at == record.granted_at + timedelta(hours=1)
    assert record.details["requested_expires_at"] == "2026-01-05T11:00:00Z"
    (granted,) = [e for e in world.audit() if e["type"] == "granted"]
    assert granted["expires_at"] == "2026-01-05T10:00:00Z"
    assert granted["requested_expires_at"] == "2026-01-05T11:00:00Z"
    assert f"{record.grant_id}: Vault ends this {record.kind} at 2026-01-05 10:00:00Z" in result.out
    comment = world.delivery(pr.number)
    assert "| Access ends | 2026-01-05 10:00 UTC" in comment
    assert "| Asked until | 2026-01-05 11:00 UTC" in comment
    assert world.verify().ok


def test_a_grant_vault_gives_in_full_says_nothing_about_it(world: World) -> None:
    pr = world.request("alice", "short", "db-token", "2h")

    result = world.run()

    (record,) = world.records().values()
    assert "requested_expires_at" not in record.details
    assert "Vault ends" not in result.out
    assert "Asked until" not in world.delivery(pr.number)
