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
from jit.reconcile.changes import Committer
from jit.reconcile.diff import ISSUING_LEASE
from tests.reconcile.helpers import KINDS, Killed, kill_after, kill_before, live
from tests.reconcile.world import World

STEPS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "after the intent is pushed": lambda mp: kill_after(mp, runner, "_commit_intents"),
    "after issuing, before delivering": lambda mp: (
        kill_after(mp, VaultBackend, "issue"),
        kill_after(mp, KubeBackend, "issue"),
    ),
    "after delivering, before recording": lambda mp: kill_before(mp, Committer, "commit", 2),
    "after the result commit, before its push": lambda mp: kill_before(mp, Git, "push", 2),
    "after the push, before the comments": lambda mp: kill_before(mp, runner, "_comment"),
}


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_run_killed_at_any_step_is_finished_by_the_next(
    world: World, monkeypatch: pytest.MonkeyPatch, kind: str, step: str
) -> None:
    world.request("alice", "x", KINDS[kind])
    with monkeypatch.context() as mp:
        STEPS[step](mp)
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
