"""Two ``jit reconcile`` runs racing against the same bare remote.

The second run is started from inside the first at a chosen moment (a hook on a git push or a
Vault issue), so the interleaving is exact and repeatable: both plan from the same state, and
one of them loses every push race it could.
"""

from __future__ import annotations

from collections import Counter

import pytest

from jit.adapters.git import Git
from jit.adapters.vault.backend import VaultBackend
from tests.reconcile.helpers import interleave, live
from tests.reconcile.world import Result, World


def setup(world: World) -> None:
    """Grants to expire, one to withdraw, and new requests: every kind of work at once."""
    world.request("alice", "old-tok", "db-token", "1h")
    world.request("bob", "old-k8s", "orders-debug", "1h")
    world.request("bob", "old-grp", "db-group", "2h")
    world.run()
    world.advance(hours=1, minutes=5)
    world.withdraw("bob", "old-grp")
    world.request("alice", "new-db", "db-read")
    world.request("bob", "new-k8s", "orders-debug")
    world.request("alice", "new-grp", "db-group")


HOOKS = {
    "before the first run's intent push": (Git, "push", 1),
    "before the first run's result push": (Git, "push", 2),
    "while the first run issues": (VaultBackend, "issue", 1),
}


@pytest.mark.parametrize("hook", list(HOOKS))
def test_racing_runs_keep_one_linear_chain_and_do_everything_exactly_once(
    world: World, monkeypatch: pytest.MonkeyPatch, hook: str
) -> None:
    setup(world)
    results: list[Result] = []
    owner, name, call = HOOKS[hook]
    interleave(monkeypatch, owner, name, call, lambda: results.append(world.run()))
    results.insert(0, world.run())
    assert [r.code for r in results] == [0, 0], [r.out for r in results]

    assert world.remote.log("--merges", "--format=%H") == ""  # linear
    verified = world.verify()
    assert verified.ok, (verified.chain.first_broken, verified.violations)
    entries = world.audit()
    granted = Counter(e["grant_id"] for e in entries if e["type"] == "granted")
    revoked = Counter(e["grant_id"] for e in entries if e["type"] == "revoked")
    issuing = Counter(e["grant_id"] for e in entries if e["type"] == "issuing")
    assert set(granted.values()) == {1} and len(granted) == 6
    assert set(issuing.values()) == {1}
    assert set(revoked.values()) == {1} and len(revoked) == 3
    records = world.records()
    assert sorted(r.request_id for r in records.values()) == [
        "requests/alice/new-db",
        "requests/alice/new-grp",
        "requests/bob/new-k8s",
    ]
    for record in records.values():
        assert record.status == "active"
        assert live(world, record.kind, record.grant_id) == 1
    recorded = {r.grant_id for r in records.values()}
    live_grants = {
        t.meta["jit_grant"]
        for t in world.vault.tokens.all()
        if t.meta and "jit_grant" in t.meta and t.expire_time and t.expire_time > world.clock.now()
    }
    assert live_grants <= recorded
    assert {g.removeprefix("jit-") for g in world.groups()} <= recorded
    assert {b.removeprefix("jit-") for b in world.bindings()} <= recorded
