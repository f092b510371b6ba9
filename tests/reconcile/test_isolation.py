"""Each grant and each request in its own error boundary: a bug, a damaged record or a refusal
of the audit log's guard affects that one item, is reported, and never stops the run."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jit.audit.entries import SecretInAuditError
from jit.reconcile import recover, revoke
from jit.reconcile import run as runner
from jit.reconcile.diff import ISSUING_LEASE
from tests.reconcile.helpers import Killed, kill_after
from tests.reconcile.world import World

TOKEN = "hvs." + "A" * 24


def two_due(world: World) -> dict[str, str]:
    world.request("alice", "a", "db-group", "1h")
    world.request("bob", "b", "orders-debug", "1h")
    assert world.run().code == 0
    world.advance(hours=1)
    return {r.requester: g for g, r in world.records().items()}


def test_a_bug_revoking_one_grant_leaves_it_pending_and_revokes_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    gids = two_due(world)
    original = revoke.revoke

    def buggy(ctx: Any, item: Any) -> Any:
        if item.record.requester == "alice":
            raise KeyError("handle")
        return original(ctx, item)

    monkeypatch.setattr(revoke, "revoke", buggy)
    result = world.run()
    assert result.code == 4, result.out
    assert "unexpected KeyError" in result.out and "bug in jit" in result.out
    records = world.records()
    assert list(records) == [gids["alice"]] and records[gids["alice"]].status == "revoke-pending"
    assert world.bindings() == []
    monkeypatch.setattr(revoke, "revoke", original)
    assert world.run().code == 0 and world.records() == {} and world.groups() == []


def test_a_bug_judging_one_request_leaves_it_pending_and_judges_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jit.reconcile import intents

    original = intents.verify

    def buggy(**kwargs: Any) -> Any:
        if kwargs["path"] == "requests/alice/a.yaml":
            raise RuntimeError("boom")
        return original(**kwargs)

    monkeypatch.setattr(intents, "verify", buggy)
    world.request("alice", "a", "db-group")
    world.request("bob", "b", "orders-debug")
    result = world.run()
    assert (
        result.code == 4 and "requests/alice/a: re-verifying: unexpected RuntimeError" in result.out
    )
    assert [r.requester for r in world.records().values()] == ["bob"]
    monkeypatch.setattr(intents, "verify", original)
    assert world.run().code == 0 and len(world.records()) == 2


def test_a_bug_resuming_one_intent_keeps_it_for_a_later_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.request("alice", "a", "db-group")
    with monkeypatch.context() as mp:
        kill_after(mp, runner, "_commit_intents")
        with pytest.raises(Killed):
            world.run()
    world.advance(seconds=ISSUING_LEASE.total_seconds())
    with monkeypatch.context() as mp:
        mp.setattr(recover, "resume", lambda *a, **k: (_ for _ in ()).throw(ValueError("x")))
        result = world.run()
    assert result.code == 4 and "unexpected ValueError" in result.out
    (record,) = world.records().values()
    assert record.status == "issuing" and record.run_id == ""  # released: retried at once
    assert world.run().code == 0 and next(iter(world.records().values())).status == "active"


def test_a_damaged_record_is_reported_and_every_other_grant_is_revoked(world: World) -> None:
    gids = two_due(world)
    world.direct({f"state/grants/{gids['alice']}.json": "{not json\n"})
    result = world.run()
    assert result.code == 4, result.out
    assert f"state/grants/{gids['alice']}" in result.out and "Restore the file" in result.out
    assert world.bindings() == []  # bob's grant was revoked
    left = sorted(p.name for p in world.checkout().joinpath("state/grants").iterdir())
    assert left == [f"{gids['alice']}.json"]  # kept as it is, for a person to restore


def test_a_guard_refusal_at_merge_denies_that_one_request(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were a poison name to get past the PR-time checks (here they are switched off), the
    guard still refuses it at merge: that request is denied with its name redacted, and the
    run goes on."""
    from jit.parse import request as parse_request
    from jit.parse import values

    monkeypatch.setattr(values, "REQUEST_NAME_RE", re.compile(r"[A-Za-z0-9.]+"))
    monkeypatch.setattr(parse_request, "text_refusal", lambda _value: None)
    gids = two_due(world)
    world.request("alice", TOKEN, "db-group")
    result = world.run()
    assert result.code == 1, result.out
    assert "cannot be recorded in the audit log" in result.out
    assert world.records() == {} and world.groups() == [] and world.bindings() == []
    (denied,) = [e for e in world.audit() if e["type"] == "denied"]
    assert denied["request_id"] == "requests/alice/[redacted]"
    assert TOKEN not in world.remote.log("--format=%B")
    assert set(gids.values()).isdisjoint(world.records())


def test_the_committer_leaves_out_what_the_guard_refuses(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last net: a change whose audit entry the guard refuses is left out and reported
    (a bug in jit); everything else in the run is recorded."""
    from jit.audit import entries

    gids = two_due(world)
    original = entries.revoked

    def leaky(**kwargs: Any) -> Any:
        payload = original(**kwargs)
        if kwargs["grant_id"] == gids["alice"]:
            payload["by"] = TOKEN
        return payload

    monkeypatch.setattr(entries, "revoked", leaky)
    result = world.run()
    assert result.code == 4 and "the audit log refused it" in result.out, result.out
    assert list(world.records()) == [gids["alice"]]  # not recorded as revoked
    assert world.bindings() == []
    with pytest.raises(SecretInAuditError):
        entries.check_payload(
            leaky(
                grant_id=gids["alice"],
                reason="expired",
                revoked_at=world.clock.now(),
                lag_seconds=0,
            )
        )


def test_an_audit_log_that_cannot_be_appended_to_never_stops_revocation(world: World) -> None:
    gids = two_due(world)
    world.direct({"audit/HEAD": "not a checkpoint\n"})
    result = world.run()
    assert result.code == 4 and "audit/HEAD:1" in result.out, result.out
    assert world.groups() == [] and world.bindings() == []  # revoked all the same
    assert set(world.records()) == set(gids.values())  # not recorded until the log is fixed
