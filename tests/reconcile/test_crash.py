"""Kill the run at each step, run again: exactly one live credential, one grant, a valid chain.

A kill is an exception no code catches (like SIGKILL, nothing after it runs); the next run
starts from a fresh checkout of the remote, as every Actions run does, after the dead run's
intent lease has passed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jit.adapters.git import Git
from jit.adapters.kube.backend import KubeBackend
from jit.adapters.vault.backend import VaultBackend
from jit.reconcile import run as runner
from jit.reconcile.diff import ISSUING_LEASE
from jit.reconcile.state import GrantRecord
from tests.reconcile.helpers import KINDS, Killed, kill_after, kill_before, live
from tests.reconcile.world import World

SECRET = ("vault-token", "vault-credentials")
#: The crash window: a secret created but its handle not yet recorded.
WINDOW = "after issuing, before recording its handle"
STEPS: dict[str, Callable[[pytest.MonkeyPatch, str], None]] = {
    "after the intent is pushed": lambda mp, _: kill_after(mp, runner, "_commit_intents"),
    WINDOW: lambda mp, _: (
        kill_after(mp, VaultBackend, "issue"),
        kill_after(mp, KubeBackend, "issue"),
    ),
    "after recording its handle, before delivering": lambda mp, kind: (
        kill_after(mp, runner, "_record_handles")
        if kind in SECRET
        else kill_before(mp, runner, "_commit_results", 2)
    ),
    "after delivering, before recording": lambda mp, _: kill_before(
        mp, runner, "_commit_results", 2
    ),
    "after the result commit, before its push": lambda mp, kind: kill_before(
        mp, Git, "push", 3 if kind in SECRET else 2
    ),
    "after the push, before the comments": lambda mp, _: kill_before(mp, runner, "_comment"),
}


def unreachable(world: World, record: GrantRecord) -> None:
    """The dead run created a token (or a holder token) and died before recording it: it was
    never delivered, its wrapping token died with the run, so nobody holds it; it is recorded
    as unreachable and Vault ends it at the grant's end, never later."""
    assert live(world, record.kind, record.grant_id) == 2
    handle = dict(record.handle or {})
    (extra,) = [
        t
        for t in world.vault.tokens.all()
        if (t.meta or {}).get("jit_grant") == record.grant_id and t.accessor != handle["accessor"]
    ]
    assert extra.expire_time is not None and extra.expire_time <= record.expires_at
    errors = [e["error"] for e in world.audit() if e["type"] == "grant-failed"]
    assert any("unreachable" in str(e) for e in errors), errors


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_run_killed_at_any_step_is_finished_by_the_next(
    world: World, monkeypatch: pytest.MonkeyPatch, kind: str, step: str
) -> None:
    world.request("alice", "x", KINDS[kind])
    with monkeypatch.context() as mp:
        STEPS[step](mp, kind)
        with pytest.raises(Killed):
            world.run()
    # Within the lease, another run leaves the dead run's intent alone.
    within = world.run()
    assert within.code == 0, within.out
    world.advance(seconds=ISSUING_LEASE.total_seconds())
    again = world.run()
    assert again.code == 0, again.out
    (record,) = world.records().values()
    assert record.status == "active" and record.kind == kind
    if step == WINDOW and kind in SECRET:
        unreachable(world, record)
    else:
        assert live(world, kind, record.grant_id) == 1
    assert world.types(record.grant_id).count("granted") == 1
    assert world.verify().ok, world.verify().chain.first_broken
    handle = dict(record.handle or {})
    assert handle and world.vault.requests  # the recorded handle is the live one:
    if kind == "vault-token":
        assert handle["accessor"] in world.live_tokens()
    # and a third run changes nothing.
    head = world.remote.log("-1", "--format=%H")
    assert world.run().code == 0 and world.remote.log("-1", "--format=%H") == head
    if step == WINDOW and kind in SECRET:  # Vault ends the unreachable one with the grant
        world.advance(seconds=(record.expires_at - world.clock.now()).total_seconds())
        assert live(world, kind, record.grant_id) == 0


@pytest.mark.parametrize("kind", ["vault-token", "vault-credentials"])
def test_recovery_looks_up_only_the_accessors_jit_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """No listing of every token in Vault (issue 9, finding 6): recovery costs a few calls per
    unfinished grant, whatever the size of the Vault."""
    for n in range(20):  # other people's tokens: recovery must not look at them
        world.vault.tokens.add(["default"], 3600, meta={"owner": f"someone-{n}"})
    world.request("alice", "x", KINDS[kind])
    with monkeypatch.context() as mp:
        STEPS[WINDOW](mp, kind)
        with pytest.raises(Killed):
            world.run()
    world.advance(seconds=ISSUING_LEASE.total_seconds())
    seen = len(world.vault.requests)
    assert world.run().code == 0
    calls = world.vault.requests[seen:]
    assert not [c for c in calls if c.method == "LIST"]
    assert len([c for c in calls if c.path.endswith("lookup-accessor")]) <= 4
