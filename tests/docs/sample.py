"""A realistic access repository for the doc tests, made the way production makes one: fake
GitHub, Vault and Kubernetes, real git, and ``jit reconcile`` run by a fake clock through
November 2026. It holds what docs/auditors.md talks about: alice's ``prod-db-readonly``
grant ``requests/alice/incident-4711`` (expired), withdrawals by a revoker and by someone
who is neither the requester nor a revoker, a Kubernetes binding revoked late, a denial
(merged without approval), a policy change merged through a PR, and later a grant that
expires and is revoked. People's commits are dated by the fake clock too (from 20 October:
the repository's first commit), so git history reads as it would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reconcile import world as world_module
from tests.reconcile.world import World

#: The resource the auditors' guide uses, next to the reconcile world's own.
PROD_DB = """\
  prod-db-readonly:
    description: Read-only access to the production orders database
    grant: {kind: vault-credentials, path: database/creds/orders-readonly}
    eligible: [acme/engineering]
    max_duration: 8h
    approvals: [{from: [acme/dba], count: 1}]
"""


@dataclass(frozen=True)
class Sample:
    root: Path  # a clone of main after the last run
    grant_id: str  # alice's requests/alice/incident-4711 grant
    merge_commit: str  # the commit that merged it
    pr: int  # its pull request


def build(base: Path) -> Sample:
    """Build the repository under ``base`` (about two seconds)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(world_module, "RESOURCES", world_module.RESOURCES + PROD_DB)
        _dated(patch, datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
        world = World(base, patch)
        try:
            return _history(world)
        finally:
            world.close()


def _dated(patch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Date the commits people make (git reads these); jit's own commits carry the run's."""
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        patch.setenv(name, moment.strftime("%Y-%m-%dT%H:%M:%S+0000"))


def _history(world: World) -> Sample:
    world.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    _dated(world.monkeypatch, world.clock.now())
    alice = world.request("alice", "incident-4711", "prod-db-readonly", "2h", ticket="INC-4711")
    world.request("bob", "k8s", "orders-debug", "1h")
    world.request("bob", "db", "prod-db-readonly", "4h")
    world.request("alice", "grp", "db-group", "4h")
    _ok(world)
    world.advance(minutes=30)
    _dated(world.monkeypatch, world.clock.now())
    _policy_change(world)
    world.withdraw("bob", "db", by="erin")  # acme/security: a revoker
    world.withdraw("alice", "grp", by="mallory")  # merged although the validator refused it
    _ok(world)
    world.advance(hours=2)  # alice's grant expired at 11:00; bob's binding at 10:00
    _dated(world.monkeypatch, world.clock.now())
    world.request("alice", "unapproved", "prod-db-readonly", "1h", approver=None)
    world.request("alice", "later", "db-token", "8h")
    world.run()  # exits 1: the unapproved request is denied
    world.advance(hours=8)
    _ok(world)
    root = world.checkout()
    (granted,) = [
        e
        for e in world.audit()
        if e["type"] == "granted" and e["request_id"] == "requests/alice/incident-4711"
    ]
    return Sample(root, str(granted["grant_id"]), str(granted["merge_commit"]), alice.number)


def _policy_change(world: World) -> None:
    """A PR by erin (security) that rewords prod-db-readonly, reviewed by carol, merged."""
    path = "policies/resources.yaml"
    text = world_module.RESOURCES  # as World committed it (with PROD_DB, patched in)
    reworded = text.replace("Read-only access to the production orders database",
                            "Read-only access to the orders database (production)")  # fmt: skip
    pr = world.github.add_pull("erin", {path: reworded}, title="prod-db-readonly: clearer wording")
    world.github.add_review(pr, "carol")
    world.merge(pr, {path: reworded})


def _ok(world: World) -> None:
    result = world.run()
    assert result.code == 0, result.out
