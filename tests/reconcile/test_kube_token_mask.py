"""The Kubernetes token jit gets from Vault's Kubernetes secrets engine is masked in Actions
(``::add-mask::``) before it is ever sent, and appears in no other output."""

from __future__ import annotations

import io

import hvac

from jit.commands import reconcile as command
from jit.commands.reconcile_wiring import Seams
from tests.adapters.kube import admin as kube_admin
from tests.reconcile.world import KUBE_TOKEN, KUBE_TOKEN_ENV, SETTINGS, World

VIA_VAULT = SETTINGS.replace(
    f"      token_env: {KUBE_TOKEN_ENV}\n",
    f"      vault_credentials: {kube_admin.CREDS_PATH}\n      vault_namespace: jit\n",
)


class Log(io.StringIO):
    """stdout that notes, for every write, how many Kubernetes requests had been made."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.writes: list[tuple[int, str]] = []

    def write(self, text: str) -> int:
        self.writes.append((len(self.world.kube.requests), text))
        return super().write(text)


def test_the_vault_issued_kubernetes_token_is_masked_before_any_use(world: World) -> None:
    assert VIA_VAULT != SETTINGS
    kube_admin.configure(hvac.Client(url=world.vault.address, token=world.vault.root_token))
    access = world.cluster.tokens.pop(KUBE_TOKEN)  # the job's token now comes from Vault only
    world.cluster.authenticator = lambda token: (
        access if token in world.vault.issued_secrets else None
    )
    world.direct({"policies/settings.yaml": VIA_VAULT.format(reminder=0)})
    world.monkeypatch.delenv(KUBE_TOKEN_ENV)
    world.request("bob", "k8s", "orders-debug")
    out = Log(world)
    seams = Seams(
        env=world.env(GITHUB_ACTIONS="true"),
        clock=world.clock.now,
        out=out,
        sleep=world.sleeps.append,
    )
    assert command.run(world.checkout(), False, True, seams=seams) == 0, out.getvalue()
    assert len(world.bindings()) == 1
    (bearer,) = {r.authorization for r in world.kube.requests}  # one token for the whole run
    minted = (bearer or "").removeprefix("Bearer ")
    assert minted in world.vault.issued_secrets  # from Vault's Kubernetes secrets engine
    (masked,) = [(n, text) for n, text in out.writes if minted in text]
    assert masked[1] == f"::add-mask::{minted}\n"
    assert masked[0] == 0  # written before the first Kubernetes request was made
