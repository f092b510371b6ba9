"""A revocation whose answer was lost is jit's own, not ``out-of-band``.

A DELETE (or revoke call) that the server carried out but whose response never arrived is
retried; the retry answers "already gone". Within one run (the client's retry) or across runs
(every retry failed, the grant stayed ``revoke-pending``), the grant was removed by jit, so the
audit log records the real reason and the requester is not told someone else removed it.
"""

from __future__ import annotations

import requests

from tests.reconcile.helpers import revoked_entry
from tests.reconcile.world import World


def _granted(world: World) -> str:
    world.request("alice", "x", "orders-debug", "2h")
    assert world.run().code == 0
    (gid,) = world.records()
    return gid


def test_a_lost_delete_answer_retried_in_the_same_run_is_a_withdrawal(world: World) -> None:
    gid = _granted(world)
    world.withdraw("alice", "x")
    world.kube.fail_next(None, exception=requests.ReadTimeout, method="DELETE", after_apply=True)
    result = world.run()
    assert result.code == 0, result.out
    entry = revoked_entry(world, gid)
    assert (entry["reason"], entry.get("by")) == ("withdrawn", "alice")
    assert "out-of-band" not in result.out and world.bindings() == []
    assert world.verify().ok


def test_a_revoke_that_acted_but_failed_is_not_called_out_of_band_next_run(
    world: World,
) -> None:
    gid = _granted(world)
    world.advance(hours=2)
    world.kube.fail_next(
        None, exception=requests.ReadTimeout, method="DELETE", after_apply=True, times=100
    )
    failed = world.run()
    assert failed.code == 4 and "revoke-pending" in failed.out
    assert world.bindings() == []  # the first DELETE did act
    world.kube._faults.clear()
    world.advance(minutes=5)
    assert world.run().code == 0
    entry = revoked_entry(world, gid)
    assert entry["reason"] == "expired" and world.records() == {}
    assert world.types(gid) == ["issuing", "granted", "delivery", "revoke-failed", "revoked"]
    assert world.verify().ok
