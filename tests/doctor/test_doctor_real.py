"""``jit doctor``'s Vault checks against a real OpenBao set up as docs/admin.md says (the
steps of ``tests/adapters/vault/admin.py``, applied by ``tests/e2e/real.py``): the guide's
set-up passes, as the job and as an admin; a weakened job policy and an untuned token mount
fail."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest

from jit.commands import doctor
from tests.adapters.vault import admin
from tests.e2e.real import RealFlow
from tests.real.plugin import Database, Namespace


@pytest.fixture
def real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openbao: Namespace, postgres: Database
) -> Iterator[RealFlow]:
    flow = RealFlow(tmp_path, monkeypatch, openbao, postgres)
    # The guide's OpenBao note: the tune step runs in the root namespace, whose token/ caps
    # tokens in every namespace (the test's own namespace's tuning is ignored).
    tune_root(openbao, "2160h")
    try:
        yield flow
    finally:
        tune_root(openbao, "2160h")
        flow.close()


def tune_root(bao: Namespace, ttl: str) -> None:
    root = hvac.Client(url=bao.address, token=bao.root_token)
    root.adapter.post("/v1/sys/auth/token/tune", json={"max_lease_ttl": ttl})


def vault(flow: RealFlow, **env: str) -> dict[str, dict[str, str]]:
    out = io.StringIO()
    merged = {k: v for k, v in {**flow.env(), **env}.items() if v}
    doctor.run(flow.checkout(), "json", env=merged, out=out, sleep=lambda _s: None)
    checks = json.loads(out.getvalue())["checks"]
    return {c["check"]: c for c in checks if c["check"].startswith("vault.")}


def test_the_guides_set_up_passes_as_the_job(real: RealFlow) -> None:
    checks = vault(real)
    for name in ("vault.reachable", "vault.login", "vault.job-policy", "vault.identity-mount"):
        assert checks[name]["status"] == "PASS", checks[name]
    assert "exactly what jit needs" in checks["vault.job-policy"]["detail"]
    assert checks["vault.token-role"]["status"] == "SKIP"  # the job may not read it


def test_the_guides_set_up_passes_for_an_admin(real: RealFlow) -> None:
    checks = vault(real, VAULT_TOKEN=real.bao.root_token)
    for name in ("vault.token-role", "vault.token-ttl", "vault.credentials"):
        assert checks[name]["status"] == "PASS", checks[name]
    assert "2160h" in checks["vault.token-ttl"]["detail"]


def test_a_job_policy_missing_a_capability_fails(real: RealFlow) -> None:
    weakened = admin.policy_text("jit-job").replace(
        'path "identity/lookup/entity" {\n  capabilities = ["update"]\n}\n', ""
    )
    real.root.sys.create_or_update_policy("jit-job", weakened)
    check = vault(real)["vault.job-policy"]
    assert check["status"] == "FAIL"
    assert "identity/lookup/entity lacks ['update']" in check["detail"]


def test_an_untuned_token_mount_fails_the_ttl_check(real: RealFlow) -> None:
    tune_root(real.bao, "768h")
    check = vault(real, VAULT_TOKEN=real.bao.root_token)["vault.token-ttl"]
    assert check["status"] == "FAIL"
    assert "the root namespace's token/ is 768h, shorter than 2160h" in check["detail"]
    assert "vault auth tune -max-lease-ttl=2160h token/" in check["fix"]
