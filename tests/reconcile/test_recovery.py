"""Recovery paths: intents that cannot finish, pushes that keep failing, runs slower than the
lease, deliveries that fail, and resources removed while a grant was half done."""

from __future__ import annotations

import pytest

from jit.adapters.git import Git
from jit.adapters.kube.backend import KubeBackend
from jit.reconcile import run as runner
from jit.reconcile.diff import ISSUING_LEASE
from tests.reconcile.helpers import Killed, interleave, kill_after, live
from tests.reconcile.world import RESOURCES, World

LEASE = ISSUING_LEASE.total_seconds()


def die_after_issuing(world: World, monkeypatch: pytest.MonkeyPatch, resource: str) -> str:
    """The run dies once it has issued (and, for a secret, recorded its handle)."""
    world.request("alice", "x", resource)
    with monkeypatch.context() as mp:
        kill_after(mp, runner, "_record_handles")
        kill_after(mp, KubeBackend, "issue")
        with pytest.raises(Killed):
            world.run()
    (record,) = world.records().values()
    return record.grant_id


@pytest.mark.parametrize("resource", ["db-token", "orders-debug"])
def test_an_unfinished_grant_whose_request_is_withdrawn_is_cleaned_up(
    world: World, monkeypatch: pytest.MonkeyPatch, resource: str
) -> None:
    gid = die_after_issuing(world, monkeypatch, resource)
    world.withdraw("alice", "x")
    world.advance(seconds=LEASE)
    result = world.run()
    assert result.code == 0, result.out
    assert world.records() == {} and world.live_tokens() == [] and world.bindings() == []
    assert world.types(gid) == ["issuing", "grant-failed"]
    (entry,) = [e for e in world.audit() if e["type"] == "grant-failed"]
    assert "withdrawn before it was issued; jit revoked what a crashed run" in str(entry["error"])
    assert world.verify().ok


def test_an_unfinished_grant_that_expired_is_closed_and_its_file_retired(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.request("alice", "x", "db-group", "1h")
    with monkeypatch.context() as mp:
        kill_after(mp, runner, "_commit_intents")
        with pytest.raises(Killed):
            world.run()
    world.advance(hours=2)
    assert world.run().code == 0
    assert world.records() == {} and world.remote.ls("requests") == ["requests/README.md"]
    assert world.groups() == []


def test_results_that_can_never_be_pushed_are_recovered_by_the_next_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.request("alice", "tok", "db-token")
    world.request("bob", "k8s", "orders-debug")
    with monkeypatch.context() as mp:
        interleave(mp, Git, "push", 2, world.remote.reject_pushes)
        result = world.run()
    assert result.code == 4 and "recording the results" in result.out
    assert sorted(r.status for r in world.records().values()) == ["issuing", "issuing"]
    world.remote.reject_pushes(False)
    world.advance(seconds=LEASE)
    assert world.run().code == 0
    records = world.records()
    assert sorted(r.status for r in records.values()) == ["active", "active"]
    for record in records.values():
        assert live(world, record.kind, record.grant_id) == 1
    assert world.verify().ok


def test_intents_that_cannot_be_pushed_mean_nothing_is_issued(world: World) -> None:
    world.request("alice", "tok", "db-token")
    world.remote.reject_pushes()
    result = world.run()
    assert result.code == 4 and "Nothing was issued" in result.out
    assert world.live_tokens() == []


def test_a_run_slower_than_the_lease_is_superseded_and_nothing_stays_live_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.request("alice", "tok", "db-token")
    others = []

    def slow_then_another_run() -> None:
        world.advance(seconds=LEASE)
        others.append(world.run())

    interleave(monkeypatch, Git, "push", 3, slow_then_another_run)  # the results' push
    first = world.run()
    # The second run took the stale intent over: it revoked the first run's token by its
    # recorded accessor (its wrapping token was out of reach) and issued afresh. The first run's record lost the
    # push race, so it tries to revoke its duplicate too; by now its own Vault login (30m) has
    # expired, which it reports, but the duplicate is already gone.
    assert others[0].code == 0, others[0].out
    assert first.code == 4 and "revoking a superseded duplicate" in first.out
    (record,) = world.records().values()
    assert world.live_tokens() == [record.handle["accessor"]]  # type: ignore[index]
    assert world.types(record.grant_id).count("granted") == 1 and world.verify().ok


def test_a_run_overtaken_before_recording_its_handle_never_delivers(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.request("alice", "tok", "db-token")
    others = []

    def slow_then_another_run() -> None:
        world.advance(seconds=LEASE)
        others.append(world.run())

    interleave(monkeypatch, Git, "push", 2, slow_then_another_run)  # the handles' push
    first = world.run()
    # The second run found no handle: it recorded that anything the first run created is
    # unreachable, and issued afresh. The first run lost the race to record its handle, so it
    # never delivered its token; its Vault login has expired, so it cannot revoke it either.
    assert others[0].code == 0, others[0].out
    assert first.code == 4 and "its handle was not recorded" in first.out
    (record,) = world.records().values()
    assert len(world.delivery(record.pr).split("BEGIN AGE")) == 2  # one delivery: the second's
    (stray,) = [a for a in world.live_tokens() if a != record.handle["accessor"]]  # type: ignore[index]
    token = world.vault.tokens.by_accessor(stray)
    assert token is not None and token.expire_time is not None
    assert token.expire_time <= record.expires_at  # nobody holds it, and it never outlives
    assert world.types(record.grant_id).count("granted") == 1 and world.verify().ok


def test_a_delivery_that_fails_revokes_the_secret_and_retries(world: World) -> None:
    pr = world.request("alice", "tok", "db-token")
    world.github.fail_next(
        "POST", f"/repos/acme/access/issues/{pr.number}/comments", status=500, times=99
    )
    first = world.run()
    assert first.code == 4 and "delivering the secret" in first.out
    assert world.live_tokens() == []
    (record,) = world.records().values()
    assert record.status == "issuing" and record.run_id == ""
    world.github.faults.clear()
    again = world.run()
    assert again.code == 0 and len(world.live_tokens()) == 1, again.out


def test_a_resource_removed_mid_grant_is_reported_until_it_is_restored(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    gid = die_after_issuing(world, monkeypatch, "orders-debug")
    world.direct({"policies/resources.yaml": RESOURCES.replace("  orders-debug:", "  gone:")})
    world.advance(seconds=LEASE)
    result = world.run()
    assert result.code == 4 and "no longer in policies/" in result.out
    world.direct({"policies/resources.yaml": RESOURCES})
    assert world.run().code == 0
    assert live(world, "kubernetes-rolebinding", gid) == 1 and world.types(gid)[-1] == "delivery"


def test_a_requester_whose_keys_vanished_mid_grant_waits_for_a_new_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    gid = die_after_issuing(world, monkeypatch, "db-token")
    world.github.user("alice", keys=[])
    world.advance(seconds=LEASE)
    assert world.run().code == 0
    assert world.records() == {} and world.live_tokens() == []
    assert world.types(gid) == ["issuing", "grant-failed", "grant-failed"]
    again = world.run()
    assert again.code == 0 and "add an SSH key" in again.out
    world.add_key("alice")
    again = world.run()
    assert again.code == 0 and len(world.live_tokens()) == 1, again.out


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "auth/token/revoke-accessor")],
)
def test_vault_failing_during_recovery_keeps_the_intent(
    world: World, monkeypatch: pytest.MonkeyPatch, method: str, path: str
) -> None:
    gid = die_after_issuing(world, monkeypatch, "db-token")
    world.advance(seconds=LEASE)
    world.vault.fail_next(method, path, 503, times=99)
    result = world.run()
    assert result.code == 4
    (record,) = world.records().values()
    assert record.status == "issuing" and record.run_id == ""
    world.vault._faults._pending.clear()
    again = world.run()
    assert again.code == 0 and len(world.live_tokens()) == 1, again.out
    assert world.types(gid).count("granted") == 1


def test_ssh_keys_failing_during_recovery_keeps_the_intent(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    die_after_issuing(world, monkeypatch, "db-token")
    world.advance(seconds=LEASE)
    world.github.fail_next("GET", "/users/alice/keys", status=500, times=99)
    assert world.run().code == 4
    world.github.faults.clear()
    again = world.run()
    assert again.code == 0 and len(world.live_tokens()) == 1, again.out


def test_without_a_usable_key_a_plain_wrapping_token_fallback_works(world: World) -> None:
    world.github.user("bob", keys=["ecdsa-sha2-nistp256 AAAAE2VjZHNh not-usable"])
    pr = world.request("bob", "tok", "db-token-plain")
    assert world.run().code == 0
    body = world.delivery(pr.number)
    assert "wrap_token" in body and "works **only once**" in body
    (entry,) = [e for e in world.audit() if e["type"] == "delivery"]
    assert entry["method"] == "wrapping-token"


def test_a_crash_window_token_of_a_withdrawn_request_is_recorded_unreachable(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run died between creating a token and recording its accessor, then the request was
    withdrawn: jit cannot reach that token (it never lists Vault's tokens); it records that
    nobody holds it, closes the intent, and Vault ends the token at the grant's end."""
    from jit.adapters.vault.backend import VaultBackend

    world.request("alice", "x", "db-token")
    with monkeypatch.context() as mp:
        kill_after(mp, VaultBackend, "issue")
        with pytest.raises(Killed):
            world.run()
    (record,) = world.records().values()
    world.withdraw("alice", "x")
    world.advance(seconds=LEASE)
    result = world.run()
    assert result.code == 0, result.out
    assert world.records() == {}
    first, closed = [str(e["error"]) for e in world.audit() if e["type"] == "grant-failed"]
    assert "unreachable" in first and "nobody holds it" in first
    assert "withdrawn before it was issued" in closed and "unreachable" in closed
    (stray,) = world.live_tokens()
    token = world.vault.tokens.by_accessor(stray)
    assert token is not None and token.expire_time is not None
    assert token.expire_time <= record.expires_at
    world.advance(seconds=(record.expires_at - world.clock.now()).total_seconds())
    assert world.live_tokens() == [] and world.verify().ok


def test_cleaning_up_a_recorded_token_retries_while_vault_refuses(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    die_after_issuing(world, monkeypatch, "db-token")
    world.withdraw("alice", "x")
    world.advance(seconds=LEASE)
    world.vault.fail_next("POST", "auth/token/revoke-accessor", 503, times=99)
    result = world.run()
    assert result.code == 4 and "cleaning up an unfinished grant" in result.out
    (record,) = world.records().values()
    assert record.status == "issuing" and record.handle  # kept: the next run revokes by it
    world.vault._faults._pending.clear()
    assert world.run().code == 0
    assert world.records() == {} and world.live_tokens() == []


def test_a_bug_while_delivering_keeps_the_handle_so_the_next_run_revokes_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jit.reconcile.deliverer import SshDeliverer

    world.request("alice", "x", "db-token")
    with monkeypatch.context() as mp:
        mp.setattr(SshDeliverer, "comment", lambda *a: (_ for _ in ()).throw(RuntimeError("x")))
        result = world.run()
    assert result.code == 4 and "unexpected RuntimeError" in result.out
    (record,) = world.records().values()
    assert record.status == "issuing" and record.run_id == ""
    first = dict(record.handle or {})["accessor"]
    assert world.live_tokens() == [first]
    again = world.run()
    assert again.code == 0, again.out
    (record,) = world.records().values()
    assert world.live_tokens() == [record.handle["accessor"]] != [first]  # type: ignore[index]


def test_a_bug_while_issuing_one_grant_does_not_stop_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jit.adapters.vault.backend import VaultBackend

    world.request("alice", "x", "db-token")
    world.request("bob", "k", "orders-debug")
    with monkeypatch.context() as mp:
        mp.setattr(VaultBackend, "issue", lambda *a: (_ for _ in ()).throw(RuntimeError("x")))
        result = world.run()
    assert result.code == 4 and "unexpected RuntimeError" in result.out
    assert sorted(r.status for r in world.records().values()) == ["active", "issuing"]
    assert world.run().code == 0
    assert sorted(r.status for r in world.records().values()) == ["active", "active"]
