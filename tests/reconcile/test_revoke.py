"""The revoke side: expiry (to the second), withdrawal, out-of-band removal, lag, reminders."""

from __future__ import annotations

import hvac
import pytest

from jit.reconcile.state import GrantRecord
from tests.reconcile.helpers import KINDS, live, revoked_entry
from tests.reconcile.world import World


def only(world: World) -> GrantRecord:
    (record,) = world.records().values()
    return record


@pytest.mark.parametrize("kind", list(KINDS))
def test_expiry_is_exact_to_the_second(world: World, kind: str) -> None:
    pr = world.request("alice", "x", KINDS[kind], "2h")
    world.run()
    record = only(world)
    world.advance(hours=2, seconds=-1)
    assert world.run().code == 0 and only(world).status == "active"
    assert live(world, kind, record.grant_id) == 1
    world.advance(seconds=1)
    result = world.run()
    assert result.code == 0 and "1 revoked" in result.out
    assert world.records() == {} and live(world, kind, record.grant_id) == 0
    entry = revoked_entry(world, record.grant_id)
    assert entry["reason"] == "expired" and entry["lag_seconds"] == 0
    assert world.remote.ls("requests") == ["requests/README.md"]  # retired; history keeps it
    assert world.remote.show(record.request_path, "main~1") is not None
    assert any("access revoked" in c.body for c in world.github.comments_on(pr.number))
    assert world.verify().ok
    head = world.remote.log("-1", "--format=%H")
    assert world.run().code == 0 and world.remote.log("-1", "--format=%H") == head


def test_a_skipped_hour_bounds_the_lag_and_vault_ttls_end_access_on_time(world: World) -> None:
    for name, resource in (
        ("a", "db-read"),
        ("b", "db-token"),
        ("c", "db-group"),
        ("d", "orders-debug"),
    ):
        world.request("alice", name, resource, "1h")
    world.run()
    records = world.records()
    world.advance(hours=1)
    # At expires_at Vault has already ended the token and the lease by their TTLs.
    for record in records.values():
        if record.kind in ("vault-token", "vault-credentials"):
            assert live(world, record.kind, record.grant_id) == 0
    world.advance(hours=1)  # the sweep did not run for an hour
    result = world.run()
    assert result.code == 0 and "worst revocation lag 3600s" in result.out
    lags = {r.kind: revoked_entry(world, r.grant_id)["lag_seconds"] for r in records.values()}
    assert lags == {
        "vault-credentials": 0,
        "vault-token": 0,
        "vault-group": 3600,
        "kubernetes-rolebinding": 3600,
    }
    assert world.groups() == [] and world.bindings() == [] and world.verify().ok


def test_withdrawing_revokes_at_once_and_names_who_withdrew(world: World) -> None:
    world.request("bob", "k8s", "orders-debug")
    world.request("alice", "grp", "db-group")
    world.run()
    world.withdraw("bob", "k8s")
    world.withdraw("alice", "grp", by="erin")
    world.advance(minutes=5)
    result = world.run()
    assert result.code == 0 and "2 revoked" in result.out
    entries = [e for e in world.audit() if e["type"] == "revoked"]
    assert sorted((e["reason"], e.get("by")) for e in entries) == [
        ("withdrawn", "bob"),
        ("withdrawn", "erin"),
    ]
    assert world.records() == {} and world.bindings() == [] and world.groups() == []


def test_a_grant_removed_out_of_band_is_recorded_so_not_as_an_error(world: World) -> None:
    world.request("bob", "k8s", "orders-debug")
    world.run()
    world.cluster.rolebindings.clear()
    drifted = world.run()
    assert drifted.code == 0 and "is recorded as active but no longer exists" in drifted.out
    world.withdraw("bob", "k8s")
    result = world.run()
    assert result.code == 0
    record_id = next(e["grant_id"] for e in world.audit() if e["type"] == "granted")
    assert revoked_entry(world, str(record_id))["reason"] == "out-of-band"


def test_a_tokens_child_leases_die_with_it(world: World) -> None:
    pr = world.request("alice", "tok", "db-token")
    world.run()
    secret = world.unwrap("alice", pr.number)
    client = hvac.Client(url=world.vault.address, token=str(secret["client_token"]))
    child = client.read("database/creds/orders-readonly")
    lease = child["lease_id"]
    assert world.vault.leases.get(lease) is not None
    world.withdraw("alice", "tok")
    assert world.run().code == 0
    assert world.vault.leases.get(lease) is None  # Vault revoked it with the token
    assert world.live_tokens() == []


def test_a_reminder_is_posted_once_before_expiry(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    w = World(tmp_path, monkeypatch, reminder=15)
    try:
        pr = w.request("bob", "k8s", "orders-debug", "1h")
        w.run()
        w.advance(minutes=44)
        w.run()
        assert not [c for c in w.github.comments_on(pr.number) if "ends soon" in c.body]
        w.advance(minutes=1)
        assert w.run().code == 0
        w.advance(minutes=5)
        assert w.run().code == 0
        reminders = [c for c in w.github.comments_on(pr.number) if "ends soon" in c.body]
        assert len(reminders) == 1 and "@bob" in reminders[0].body
        assert only(w).reminded_at is not None
    finally:
        w.close()
