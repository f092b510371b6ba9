"""Shared helpers for the reconcile tests: grant records, live credentials in the fakes, and
hooks that kill or interleave a run at a chosen call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jit.reconcile.state import GrantRecord
from tests.reconcile.world import World

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def make(gid: str = "alice-db-1a2b3c4d", **changes: object) -> GrantRecord:
    base = GrantRecord(
        grant_id=gid,
        request_id="requests/alice/db",
        request_path="requests/alice/db.yaml",
        requester="alice",
        resource="orders-db",
        kind="vault-credentials",
        approvers=("carol", "dave"),
        pr=7,
        pr_url="https://github.fake/acme/access/pull/7",
        merge_commit="m" * 40,
        added_commit="a" * 40,
        request_blob="b" * 40,
        starts_at=NOW,
        expires_at=NOW + timedelta(hours=2),
        status="active",
        run_id="r1",
        intent_at=NOW,
        granted_at=NOW,
        handle={"lease_id": "database/creds/ro/abc"},
        details={"lease_duration": 7200},
    )
    return base.evolve(**changes)


KINDS = {
    "vault-credentials": "db-read",
    "vault-token": "db-token",
    "vault-group": "db-group",
    "kubernetes-rolebinding": "orders-debug",
}


def live(world: World, kind: str, grant_id: str) -> int:
    now = world.clock.now()
    tokens = [
        t
        for t in world.vault.tokens.all()
        if (t.meta or {}).get("jit_grant") == grant_id
        and (t.expire_time is None or t.expire_time > now)
    ]
    if kind == "vault-token":
        return len(tokens)
    if kind == "vault-credentials":
        holders = {t.id for t in tokens}
        leases = [lease for lease in world.vault.leases.all() if lease.token_id in holders]
        assert len(leases) == len(tokens)
        return len(leases)
    if kind == "vault-group":
        return len([g for g in world.groups() if g == f"jit-{grant_id}"])
    return len([b for b in world.bindings() if b == f"jit-{grant_id}"])


class Killed(BaseException):
    """The runner was killed here."""


def kill_after(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, call: int = 1) -> None:
    original = getattr(owner, name)
    seen = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        seen["n"] += 1
        if seen["n"] == call:
            raise Killed(name)
        return result

    monkeypatch.setattr(owner, name, wrapper)


def kill_before(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, call: int = 1) -> None:
    original = getattr(owner, name)
    seen = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        seen["n"] += 1
        if seen["n"] == call:
            raise Killed(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def interleave(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, call: int, second: Callable[[], None]
) -> None:
    """Run ``second`` (to completion) just before the ``call``-th call of ``owner.name``."""
    original = getattr(owner, name)
    state = {"n": 0, "busy": False}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not state["busy"]:
            state["n"] += 1
            if state["n"] == call:
                state["busy"] = True
                second()
                state["busy"] = False
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def revoked_entry(world: World, grant_id: str) -> dict[str, object]:
    (entry,) = [e for e in world.audit() if e["type"] == "revoked" and e["grant_id"] == grant_id]
    return entry
