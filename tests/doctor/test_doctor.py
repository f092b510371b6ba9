"""``jit doctor`` against the fakes: a set-up done as docs/admin.md says passes; each way it
can be wrong fails the one check that looks at it, with the fix."""

from __future__ import annotations

import json

import pytest
import requests

from tests.adapters.vault import admin
from tests.docs import guide
from tests.doctor.conftest import DoctorWorld
from tests.fakes.github_routes_admin import Environment


def test_the_guides_set_up_passes_as_the_job_sees_it(world: DoctorWorld) -> None:
    found = world.doctor()
    assert found.code == 0, found.out
    for name in (
        "repository.policies",
        "github.ruleset",
        "github.environment",
        "github.environment-secrets",
        "vault.reachable",
        "vault.login",
        "vault.job-policy",
        "vault.identity-mount",
        "kubernetes.rbac prod-eu/orders",
    ):
        assert found.status(name) == "PASS", found.line(name)
    assert "exactly what jit needs on 6 path(s)" in found.line("vault.job-policy")
    # the job's token may not read these: skipped, with the reason
    for name in ("vault.token-role", "vault.token-ttl", "vault.credentials"):
        assert found.status(name) == "SKIP", found.line(name)
    assert "admin's VAULT_TOKEN" in found.line("vault.token-role")
    assert found.out.endswith("jit doctor: 9 passed, 0 failed, 3 skipped\n")


def test_an_admin_token_checks_the_token_role_ttl_and_credentials(world: DoctorWorld) -> None:
    found = world.doctor("json", VAULT_TOKEN=world.vault.root_token)
    checks = found.checks()
    assert found.code == 0, found.out
    assert checks["vault.login"]["status"] == "SKIP"
    assert checks["vault.job-policy"]["status"] == "SKIP"  # not the job's token
    assert checks["vault.token-role"]["status"] == "PASS"
    assert "['db-orders-read', 'jit-credentials']" in checks["vault.token-role"]["detail"]
    assert checks["vault.token-ttl"]["status"] == "PASS"
    assert checks["vault.credentials"]["status"] == "PASS"
    assert world.vault.root_token not in found.out


def test_a_job_policy_missing_a_capability_fails_with_the_fix(world: DoctorWorld) -> None:
    text = admin.policy_text("jit-job").replace(
        'path "auth/token/revoke-accessor" {\n  capabilities = ["update"]\n}\n', ""
    )
    world.vault.put_policy("jit-job", text)
    found = world.doctor()
    assert found.code == 1
    line = found.line("vault.job-policy")
    assert line.startswith("FAIL") and "auth/token/revoke-accessor lacks ['update']" in line
    assert "fix: Add the rules of docs/setup/jit-job.hcl" in found.out


def test_a_job_policy_granting_more_fails(world: DoctorWorld) -> None:
    extra = (
        admin.policy_text("jit-job")
        + 'path "auth/token/lookup-accessor" {\n  capabilities = ["update", "sudo"]\n}\n'
    )
    world.vault.put_policy(
        "jit-job",
        extra.replace(
            'path "auth/token/lookup-accessor" {\n  capabilities = ["update"]\n}\n', "", 1
        ),
    )
    found = world.doctor()
    assert found.code == 1
    assert "grants more than jit needs: auth/token/lookup-accessor also grants ['sudo']" in (
        found.line("vault.job-policy")
    )


def test_without_jit_doctor_policy_the_policy_check_says_what_to_add(world: DoctorWorld) -> None:
    world.vault.put_policy("jit-doctor", 'path "nothing/here" {\n  capabilities = ["read"]\n}\n')
    found = world.doctor()
    assert found.status("vault.job-policy") == "FAIL"
    assert 'sys/capabilities-self" { capabilities = ["update"] }' in found.out


def test_an_untuned_token_mount_fails_the_ttl_check(world: DoctorWorld) -> None:
    world.vault.mounts["auth/token/"].max_lease_ttl = 0  # the system's 768h
    found = world.doctor(VAULT_TOKEN=world.vault.root_token)
    assert found.code == 1
    line = found.line("vault.token-ttl")
    assert line.startswith("FAIL") and "max TTL of token/ is 768h, shorter than 2160h" in line
    assert "vault auth tune -max-lease-ttl=2160h token/" in found.out


def test_a_token_role_missing_a_policy_fails(world: DoctorWorld) -> None:
    root = world.vault.root_token
    requests.post(
        f"{world.vault.address}/v1/auth/token/roles/jit",
        json={"allowed_policies": ["db-orders-read"]},
        headers={"X-Vault-Token": root},
        timeout=5,
    )
    found = world.doctor(VAULT_TOKEN=root)
    assert "does not allow ['jit-credentials']" in found.line("vault.token-role")
    requests.delete(
        f"{world.vault.address}/v1/sys/policies/acl/db-orders-read",
        headers={"X-Vault-Token": root},
        timeout=5,
    )
    requests.post(
        f"{world.vault.address}/v1/auth/token/roles/jit",
        json={"allowed_policies": ["db-orders-read", "jit-credentials"]},
        headers={"X-Vault-Token": root},
        timeout=5,
    )
    found = world.doctor(VAULT_TOKEN=root)
    assert "allows policies that do not exist: ['db-orders-read']" in found.line("vault.token-role")


def test_a_missing_identity_mount_fails(world: DoctorWorld) -> None:
    world.vault.mounts.pop("auth/github/")
    found = world.doctor(VAULT_TOKEN=world.vault.root_token)
    assert found.status("vault.identity-mount") == "FAIL"
    assert "no auth mount 'github/'" in found.line("vault.identity-mount")


def test_a_sealed_vault_fails_reachable_and_skips_the_rest(world: DoctorWorld) -> None:
    world.vault.seal()
    found = world.doctor()
    assert found.code == 1
    assert found.status("vault.reachable") == "FAIL" and "HTTP 503: sealed" in found.out
    assert found.status("vault.token-role") == "SKIP"


def test_an_unreachable_vault_fails(world: DoctorWorld) -> None:
    world.vault.fail_next("*", "*", exc=requests.ConnectionError, times=100)
    found = world.doctor()
    assert found.status("vault.reachable") == "FAIL" and "no answer" in found.out


def test_a_refused_login_fails_with_the_hint(world: DoctorWorld) -> None:
    world.actions.overrides = {
        "job_workflow_ref": "acme/access/.github/workflows/x.yml@refs/heads/main"
    }
    found = world.doctor()
    assert found.status("vault.login") == "FAIL"
    assert "bound_claims" in found.line("vault.login")
    assert found.status("vault.job-policy") == "SKIP"


def test_outside_actions_without_a_token_vault_checks_skip_with_why(world: DoctorWorld) -> None:
    found = world.doctor(ACTIONS_ID_TOKEN_REQUEST_URL="", ACTIONS_ID_TOKEN_REQUEST_TOKEN="")
    assert found.status("vault.login") == "SKIP"
    assert "ACTIONS_ID_TOKEN_REQUEST_URL is not set" in found.line("vault.login")
    assert found.code == 0


def test_rbac_that_denies_delete_fails(world: DoctorWorld) -> None:
    world.cluster.add_token(
        "limited", verbs=[("create", "rolebindings", "orders"), ("list", "rolebindings")]
    )
    world.monkeypatch.setenv("JIT_TEST_KUBE_TOKEN", "limited")
    found = world.doctor()
    line = found.line("kubernetes.rbac prod-eu/orders")
    assert line.startswith("FAIL") and "may not delete" in line
    assert "docs/setup/jit-rbac.yaml" in found.out


def test_a_cluster_that_is_down_fails(world: DoctorWorld) -> None:
    world.kube.fail_next(exception=requests.ConnectionError, times=100)
    found = world.doctor()
    assert found.status("kubernetes.rbac prod-eu/orders") == "FAIL"
    assert "ConnectionError" in found.out


def test_a_ruleset_without_the_approval_status_or_force_push_block_fails(
    world: DoctorWorld,
) -> None:
    world.github.branch_rules = [
        r
        for r in world.github.branch_rules
        if r["type"] not in ("required_status_checks", "non_fast_forward")
    ]
    found = world.doctor()
    line = found.line("github.ruleset")
    assert line.startswith("FAIL")
    assert "jit/approval status is not required" in line and "force pushes" in line
    world.github.branch_rules = []
    assert "code-owner review is not required" in world.doctor().line("github.ruleset")


def test_an_environment_open_to_every_branch_or_missing_fails(world: DoctorWorld) -> None:
    world.github.environments["jit-production"].branches = None
    assert "is not restricted to main" in world.doctor().line("github.environment")
    world.github.environments["jit-production"].branches = [("main", "branch"), ("*", "branch")]
    assert "admits ['branch:*', 'branch:main']" in world.doctor().line("github.environment")
    del world.github.environments["jit-production"]
    found = world.doctor()
    assert "does not exist" in found.line("github.environment")
    assert found.status("github.environment-secrets") == "FAIL"


def test_a_missing_secret_fails_and_an_unreadable_list_skips(world: DoctorWorld) -> None:
    world.github.environments["jit-production"] = Environment("jit-production", 9002, secrets=[])
    found = world.doctor()
    assert "lacks the secret(s) ['JIT_APP_PRIVATE_KEY']" in found.line("github.environment-secrets")
    world.github.secret_readers.clear()
    found = world.doctor()
    assert found.status("github.environment-secrets") == "SKIP"
    assert "Environments: read" in found.line("github.environment-secrets")


def test_without_github_credentials_its_checks_skip(world: DoctorWorld) -> None:
    found = world.doctor("json", GITHUB_TOKEN="", JIT_GITHUB_TOKEN="")
    assert found.checks()["github.ruleset"]["status"] == "SKIP"


def test_broken_policies_fail_the_repository_check(world: DoctorWorld) -> None:
    world.direct({"policies/resources.yaml": "resources: [not, a, mapping]\n"})
    found = world.doctor()
    assert found.code == 1 and found.status("repository.policies") == "FAIL"
    assert "jit check" in found.out


def test_json_output_is_one_object_per_check(world: DoctorWorld) -> None:
    found = world.doctor("json")
    data = json.loads(found.out)
    assert {c["status"] for c in data["checks"]} <= {"PASS", "FAIL", "SKIP"}
    assert all("fix" not in c for c in data["checks"] if c["status"] != "FAIL")


def test_the_guides_sample_output_is_what_doctor_prints(world: DoctorWorld) -> None:
    """docs/admin.md section 0 shows a job run where jit-production admits every branch."""
    world.github.environments["jit-production"].branches = None
    found = world.doctor()
    text = guide.text()
    section = text[text.index("## 0. ") : text.index("## 1. ")]
    (sample,) = [b.text for b in guide.blocks(section) if b.info == "text"]
    assert found.out == sample


def test_the_cli_runs_doctor(world: DoctorWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from jit.cli import cli

    for key, value in world.env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(
        cli, ["doctor", "--repo", str(world.checkout()), "--format", "json"], standalone_mode=False
    )
    assert result.exception is None and result.return_value == 0
    assert json.loads(result.output)["checks"][0]["check"] == "repository.policies"


def test_in_actions_the_tokens_it_gets_are_masked_first(world: DoctorWorld) -> None:
    found = world.doctor(GITHUB_ACTIONS="true")
    masks = [line for line in found.out.splitlines() if line.startswith("::add-mask::")]
    assert len(masks) == 2  # the OIDC ID token and the Vault login token
    assert found.out.index("::add-mask::") < found.out.index("PASS vault.login")


def test_without_a_vault_address_reachable_fails(world: DoctorWorld) -> None:
    settings = world.remote.show("policies/settings.yaml") or ""
    assert "  address: https://vault.fake:8200\n" in settings
    world.direct(
        {"policies/settings.yaml": settings.replace("  address: https://vault.fake:8200\n", "")}
    )
    found = world.doctor(VAULT_ADDR="")
    assert found.status("vault.reachable") == "FAIL"
    assert "VAULT_ADDR and vault.address are both unset" in found.out
