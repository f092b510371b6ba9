"""End to end: a ``kubernetes-rolebinding`` grant where jit's own cluster token comes from Vault's
Kubernetes secrets engine (``vault_credentials: kubernetes/creds/jit-granter``,
``vault_namespace: jit``; docs/admin.md 6.2), through ``jit pr`` and ``jit reconcile``.

The fake cluster knows no static token: it accepts exactly the service-account tokens Vault's
Kubernetes engine minted for ``jit/jit-granter`` while their lease lasts (the stand-in for
TokenReview), with the permissions of docs/setup/jit-rbac.yaml.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hvac
import pytest

from tests.adapters.kube import admin as kube_admin
from tests.e2e.conftest import Flow
from tests.fakes.kube import Access
from tests.fakes.vault import engines, routing
from tests.fakes.vault.core import FakeVault
from tests.fakes.vault.wire import Reply, Req
from tests.reconcile.world import KUBE_TOKEN, KUBE_TOKEN_ENV, SETTINGS

VIA_VAULT = SETTINGS.replace(
    f"      token_env: {KUBE_TOKEN_ENV}\n",
    f"      vault_credentials: {kube_admin.CREDS_PATH}\n      vault_namespace: jit\n",
)


@dataclass(frozen=True)
class Minted:
    lease_id: str
    account: str
    namespace: str


class KubeViaVault(Flow):
    """The e2e world with jit's cluster token issued by Vault only."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(tmp_path, monkeypatch)
        assert VIA_VAULT != SETTINGS
        self.minted: dict[str, Minted] = {}  # service-account token -> what Vault said of it
        self._record_kubernetes_creds()
        kube_admin.configure(hvac.Client(url=self.vault.address, token=self.vault.root_token))
        self.cluster.tokens.pop(KUBE_TOKEN)
        # docs/setup/jit-rbac.yaml, with `bind` on the role orders-debug grants (admin.md 6.1:
        # every `role:` of every kubernetes-rolebinding resource goes in its resourceNames)
        access = kube_admin.jit_access()
        assert access.bind is not None and "ClusterRole/edit" not in access.bind
        self.access = dataclasses.replace(access, bind=access.bind | {"ClusterRole/edit"})
        self.cluster.authenticator = self.authenticate
        self.direct({"policies/settings.yaml": VIA_VAULT.format(reminder=0)})
        monkeypatch.delenv(KUBE_TOKEN_ENV)

    def _record_kubernetes_creds(self) -> None:
        (index,) = [i for i, r in enumerate(routing.ROUTES) if r.handler is engines._k8s_creds]
        original = routing.ROUTES[index]

        def creds(vault: FakeVault, req: Req) -> Reply:
            reply = original.handler(vault, req)
            assert reply.body is not None
            data = reply.body["data"]
            self.minted[data["service_account_token"]] = Minted(
                reply.body["lease_id"],
                data["service_account_name"],
                data["service_account_namespace"],
            )
            return reply

        routes = list(routing.ROUTES)
        routes[index] = dataclasses.replace(original, handler=creds)
        self.monkeypatch.setattr(routing, "ROUTES", routes)

    def authenticate(self, token: str) -> Access | None:
        """jit-granter's access for a live Vault-minted jit/jit-granter token; else nobody."""
        minted = self.minted.get(token)
        if minted is None or (minted.account, minted.namespace) != ("jit-granter", "jit"):
            return None
        lease = self.vault.leases.get(minted.lease_id)
        if lease is None or lease.ttl(self.clock.now()) <= 0:
            return None
        return self.access

    def bearers(self) -> list[str]:
        return [(r.authorization or "").removeprefix("Bearer ") for r in self.kube.requests]

    def merged(self, login: str, name: str) -> int:
        pr = self.open(login, name, "orders-debug")
        opened = self.validate(pr)
        assert (opened.code, opened.state) == (0, "pending"), opened.err
        self.approve_and_merge(pr)
        return pr.number


@pytest.fixture
def kflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KubeViaVault]:
    world = KubeViaVault(tmp_path, monkeypatch)
    try:
        yield world
    finally:
        world.close()


def creds_requests(flow: KubeViaVault) -> list[dict[str, object]]:
    return [r.body for r in flow.vault.requests if r.path == kube_admin.CREDS_PATH]


def leaks(flow: KubeViaVault, secrets: set[str]) -> set[tuple[str, str]]:
    history = subprocess.run(
        ["git", "log", "-p", "--all", "--format=fuller", "--binary"],
        cwd=flow.remote.path,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "replace")
    checkout = flow.checkout()
    files = "\n".join(
        p.read_text("utf-8", "replace")
        for p in checkout.rglob("*")
        if p.is_file() and ".git" not in p.parts
    )
    outputs = [
        line
        for text in (*flow.outputs, *flow.channels)
        for line in text.splitlines()
        if not line.startswith("::add-mask::")
    ]
    channels = {
        "stdout/stderr": "\n".join(outputs),
        "comments": "\n".join(c.body for c in flow.github.comments.values()),
        "git history (commits, audit, state)": history,
        "checkout": files,
        "job summary": flow.summary.read_text() if flow.summary.exists() else "",
    }
    return {(where, s[:6] + "…") for where, text in channels.items() for s in secrets if s in text}


def test_grant_and_expiry_use_the_vault_issued_token_and_never_show_it(
    kflow: KubeViaVault,
) -> None:
    kflow.merged("bob", "k8s")

    granted = kflow.run(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(kflow.summary))
    assert granted.code == 0 and "1 granted" in granted.out, granted.out
    (record,) = kflow.records().values()
    binding = kflow.cluster.get("orders", f"jit-{record.grant_id}")
    assert binding is not None
    assert [s["name"] for s in binding["subjects"]] == ["bob@example.com"]
    assert binding["roleRef"]["name"] == "edit"
    (first,) = kflow.minted  # one token for the whole run
    assert set(kflow.bearers()) == {first}
    assert creds_requests(kflow) == [{"ttl": "15m", "kubernetes_namespace": "jit"}]
    assert f"::add-mask::{first}" in granted.out.splitlines()

    kflow.advance(hours=1)
    assert kflow.run(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(kflow.summary)).code == 0
    assert kflow.bindings() == [f"jit-{record.grant_id}"]  # not yet expired

    kflow.advance(hours=1, minutes=5)
    seen = len(kflow.kube.requests)
    revoked = kflow.run(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(kflow.summary))
    assert revoked.code == 0, revoked.out
    assert kflow.bindings() == [] and kflow.records() == {}
    assert "revoked" in kflow.types(record.grant_id)
    assert kflow.verify().ok
    # The first token's lease has ended; the revoking run minted and used a fresh one.
    new = set(kflow.bearers()[seen:])
    assert len(new) == 1 and new <= set(kflow.minted) and first not in new
    assert any(r.method == "DELETE" for r in kflow.kube.requests[seen:])

    minted = set(kflow.minted)
    assert len(minted) == 3 and minted <= set(kflow.vault.issued_secrets)
    assert leaks(kflow, minted) == set()
    for token in minted:
        assert any(f"::add-mask::{token}" in out.splitlines() for out in kflow.outputs)


def test_without_actions_the_token_is_not_printed_at_all(kflow: KubeViaVault) -> None:
    kflow.merged("bob", "k8s")
    result = kflow.run()
    assert result.code == 0 and len(kflow.bindings()) == 1, result.out
    assert "::add-mask::" not in result.out
    assert leaks(kflow, set(kflow.minted)) == set()


def test_vault_kubernetes_engine_failing_twice_is_retried(kflow: KubeViaVault) -> None:
    kflow.merged("bob", "k8s")
    kflow.vault.fail_next("POST", kube_admin.CREDS_PATH, 503, times=2)
    result = kflow.run()
    assert result.code == 0 and "1 granted" in result.out, result.out
    assert len(creds_requests(kflow)) == 3 and len(kflow.minted) == 1
    assert kflow.sleeps == [0.5, 1.0]  # backoff through the run's sleep seam, not time.sleep
    assert len(kflow.bindings()) == 1
    (record,) = kflow.records().values()
    assert record.status == "active"


def test_vault_refusing_the_token_keeps_the_grant_pending_until_the_next_run(
    kflow: KubeViaVault,
) -> None:
    kflow.merged("bob", "k8s")
    policy = kflow.vault.policies.pop("jit-kube")  # the admin forgot `vault policy write`
    refused = kflow.run()
    assert refused.code == 4, refused.out
    assert "stays pending" in refused.out
    assert (
        f"issuing: Vault denied POST {kube_admin.CREDS_PATH} (permission denied). The job's "
        f'Vault policy (given by the JWT role) lacks path "{kube_admin.CREDS_PATH}" '
        '{ capabilities = ["update"] }; add it' in refused.out
    )
    assert kflow.minted == {} and kflow.kube.requests == [] and kflow.bindings() == []
    (record,) = kflow.records().values()
    assert record.status == "issuing"

    kflow.vault.policies["jit-kube"] = policy
    kflow.advance(minutes=5)
    again = kflow.run()
    assert again.code == 0 and "1 granted" in again.out, again.out
    (record,) = kflow.records().values()
    assert record.status == "active" and len(kflow.bindings()) == 1
    assert kflow.types(record.grant_id)[:3] == ["issuing", "grant-failed", "granted"]
    assert kflow.verify().ok
    assert leaks(kflow, set(kflow.minted)) == set()
