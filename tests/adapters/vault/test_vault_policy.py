"""The job's Vault policy in the admins' guide (``docs/setup/jit-job.hcl``) is enough, and
nothing in it is spare: every other test runs as the job logged in with it, and here every
capability of every rule is removed in turn, which must make some step of a grant's life fail
with a 403."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jit.adapters.vault import VaultBackend
from jit.errors import OperationalError
from jit.ports import GrantOrder
from tests.adapters.vault import admin
from tests.fakes.vault import FakeVault
from tests.fakes.vault.acl import Rule, parse

Order = Callable[..., GrantOrder]
RULES = parse(admin.policy_text("jit-job"))


def _text(rules: list[Rule]) -> str:
    return "\n".join(
        f'path "{r.pattern}" {{ capabilities = [{", ".join(f"{c!r}" for c in sorted(r.capabilities))}] }}'.replace(
            "'", '"'
        )
        for r in rules
        if r.capabilities
    )


def lifecycle(backend: VaultBackend, order: Order) -> None:
    """Every call jit makes in a grant's life: issue, crash recovery, check, revoke."""
    for kind in ("vault-token", "vault-credentials", "vault-group"):
        grant = order(kind)
        issued = backend.issue(grant)
        backend.find(grant)
        if kind == "vault-group":
            backend.issue(grant)  # a re-run after a crash updates the group
        assert backend.is_live(issued.kind, issued.handle)
        assert backend.revoke(issued.kind, issued.handle) == "revoked"


def test_the_policy_is_enough(backend: VaultBackend, vault: FakeVault, order: Order) -> None:
    vault.add_entity("alice")
    lifecycle(backend, order)


@pytest.mark.parametrize(
    ("index", "capability"),
    [(i, c) for i, rule in enumerate(RULES) for c in sorted(rule.capabilities)],
    ids=[f"{r.pattern}:{c}" for r in RULES for c in sorted(r.capabilities)],
)
def test_every_capability_is_needed(
    new_run: Callable[[], VaultBackend], vault: FakeVault, order: Order, index: int, capability: str
) -> None:
    vault.add_entity("alice")
    backend = new_run()
    reduced = [
        Rule(r.pattern, r.capabilities - {capability}) if i == index else r
        for i, r in enumerate(RULES)
    ]
    vault.put_policy("jit-job", _text(reduced))

    with pytest.raises(OperationalError) as err:
        lifecycle(backend, order)

    message = str(err.value)
    assert "permission denied" in message
    assert f'"{capability}"' in message
    assert RULES[index].pattern.rstrip("*") in message


def test_the_policy_needs_no_sudo_and_cannot_list_every_token() -> None:
    """Recovery is bounded by jit's own records (issue 9, finding 6): no ``sudo`` anywhere and
    no ``LIST auth/token/accessors``, which would let the job enumerate every token in Vault."""
    text = admin.policy_text("jit-job")
    assert "sudo" not in text
    assert not [r for r in RULES if r.pattern.startswith("auth/token/accessors")]
