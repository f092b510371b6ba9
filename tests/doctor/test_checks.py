"""The pure checks of ``jit.doctor`` over hand-made answers: the branches the fakes do not
reach, and ``job_paths`` held to docs/setup/jit-job.hcl and jit-kube.hcl."""

from __future__ import annotations

from dataclasses import replace

from jit.doctor import Answer, render_text
from jit.doctor.github import GitHubFacts, github_checks
from jit.doctor.kube import Target, kube_checks
from jit.doctor.vault import GROUP_PROBE, VaultFacts, job_paths, vault_checks
from jit.model import (
    KubernetesCluster,
    KubernetesRoleBinding,
    Policies,
    Resource,
    Settings,
    VaultGroup,
    VaultSettings,
    VaultToken,
)
from tests.adapters.vault import admin
from tests.fakes.vault.acl import parse

OK = Answer(200, {})


def resource(rid: str, grant: object, hours: int = 8) -> Resource:
    return Resource(rid, rid, grant, (), hours * 3600, source="policies/x.yaml")  # type: ignore[arg-type]


def policies(*resources: Resource) -> Policies:
    return Policies({r.id: r for r in resources})


CLUSTER = KubernetesCluster(
    "prod-eu", "https://k8s.example:6443", vault_credentials="kubernetes/creds/jit-granter"
)
EVERYTHING = policies(
    resource("tok", VaultToken(("db-orders-read",))),
    resource("grp", VaultGroup(("db-orders-read",))),
    resource("k8s", KubernetesRoleBinding("prod-eu", None, "view", "ClusterRole", "{login}")),
)
SETTINGS = Settings(kubernetes={"prod-eu": CLUSTER})


def test_job_paths_are_the_rules_of_the_guides_job_policies() -> None:
    """One source of truth: every rule of jit-job.hcl and jit-kube.hcl is a path jit uses, with
    the same capabilities, and jit uses no other (the group glob asked of one name)."""
    rules = parse(admin.policy_text("jit-job")) + parse(admin.policy_text("jit-kube"))
    from_files = {
        (GROUP_PROBE if r.pattern.endswith("*") else r.pattern): r.capabilities for r in rules
    }
    assert job_paths(SETTINGS, EVERYTHING) == from_files


def test_job_paths_follow_the_settings() -> None:
    settings = Settings(vault=VaultSettings(identity_mount_accessor="auth_github_1"))
    paths = job_paths(settings, policies(resource("grp", VaultGroup(("p",)))))
    assert "sys/auth" not in paths and GROUP_PROBE in paths
    assert job_paths(Settings(), policies()) == {}
    other = policies(resource("tok", VaultToken(("p",), token_role="other")))
    assert "auth/token/create/other" in job_paths(Settings(), other)


def facts(**changes: object) -> VaultFacts:
    base = VaultFacts(
        health=OK,
        login="token",
        capabilities=Answer(200, {"data": {}}),
        token_role=Answer(200, {"data": {"allowed_policies": ["db-orders-read"]}}),
        role_policies={"db-orders-read": OK},
        tune=Answer(200, {"data": {"max_lease_ttl": 2160 * 3600}}),
        auth_mounts=Answer(200, {"data": {"github/": {"accessor": "auth_github_1"}}}),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def by_name(checks: list) -> dict[str, object]:  # type: ignore[type-arg]
    return {c.name: c for c in checks}


def test_without_vault_resources_every_vault_check_skips() -> None:
    checks = vault_checks(Settings(), policies(), None)
    assert {c.status for c in checks} == {"SKIP"}


def test_the_identity_mount_by_accessor() -> None:
    settings = Settings(vault=VaultSettings(identity_mount_accessor="auth_github_1"))
    found = by_name(vault_checks(settings, EVERYTHING, facts()))["vault.identity-mount"]
    assert found.status == "PASS" and "accessor 'auth_github_1'" in found.detail  # type: ignore[attr-defined]
    wrong = Settings(vault=VaultSettings(identity_mount_accessor="auth_other"))
    found = by_name(vault_checks(wrong, EVERYTHING, facts()))["vault.identity-mount"]
    assert found.status == "FAIL"  # type: ignore[attr-defined]
    broken = facts(auth_mounts=Answer(403, {}, "permission denied"))
    found = by_name(vault_checks(Settings(), EVERYTHING, broken))["vault.identity-mount"]
    assert found.status == "FAIL" and "HTTP 403" in found.detail  # type: ignore[attr-defined]


def test_answers_that_are_missing_or_broken_fail() -> None:
    broken = facts(token_role=Answer(404, {}, "no role"), tune=Answer(None, error="Timeout"))
    checks = by_name(vault_checks(SETTINGS, EVERYTHING, broken))
    assert checks["vault.token-role"].status == "FAIL"  # type: ignore[attr-defined]
    assert "no answer (Timeout)" in checks["vault.token-ttl"].detail  # type: ignore[attr-defined]
    jwt = facts(login="jwt", capabilities=Answer(500, {}, "internal error"))
    assert by_name(vault_checks(SETTINGS, EVERYTHING, jwt))["vault.job-policy"].status == "FAIL"  # type: ignore[attr-defined]


def test_a_resource_longer_than_the_settings_max_ttl_sets_the_ttl_needed() -> None:
    long = policies(resource("tok", VaultToken(("db-orders-read",)), hours=3000))
    check = by_name(vault_checks(Settings(), long, facts()))["vault.token-ttl"]
    assert check.status == "FAIL" and "max_duration of resource 'tok'" in check.detail  # type: ignore[attr-defined]


def test_credentials_a_token_cannot_use_fail() -> None:
    from jit.model import VaultCredentials

    creds = policies(resource("db", VaultCredentials("database/creds/ro")))
    denied = facts(capabilities=Answer(200, {"data": {"database/creds/ro": ["deny"]}}))
    check = by_name(vault_checks(Settings(), creds, denied))["vault.credentials"]
    assert check.status == "FAIL" and "database/creds/ro" in check.detail  # type: ignore[attr-defined]
    broken = facts(capabilities=Answer(403, {}, "permission denied"))
    assert by_name(vault_checks(Settings(), creds, broken))["vault.credentials"].status == "FAIL"  # type: ignore[attr-defined]


def test_kubernetes_targets_outside_the_settings_or_unasked_fail() -> None:
    checks = kube_checks(Settings(), EVERYTHING, {})
    assert checks[0].status == "FAIL" and "not in policies/settings.yaml" in checks[0].detail
    target = Target("prod-eu", None)
    assert target.where() == "clusterrolebindings in cluster scope of cluster prod-eu"
    checks = kube_checks(SETTINGS, EVERYTHING, {})
    assert checks[0].status == "FAIL" and "not asked" in checks[0].detail
    assert kube_checks(SETTINGS, policies(), {})[0].status == "SKIP"


def test_github_answers_that_are_broken_fail() -> None:
    gone = Answer(404, {}, "Not Found")
    checks = github_checks(
        GitHubFacts(rules=gone, environment=OK, branch_policies=gone, secrets=Answer(500, {}))
    )
    assert [c.status for c in checks] == ["FAIL", "FAIL", "FAIL"]
    assert "deployment branch policies" not in checks[1].detail  # no custom policies at all
    custom = Answer(200, {"deployment_branch_policy": {"custom_branch_policies": True}})
    checks = github_checks(
        GitHubFacts(rules=OK, environment=custom, branch_policies=gone, secrets=OK)
    )
    assert "its deployment branch policies: HTTP 404" in checks[1].detail
    refused = Answer(403, {}, "Resource not accessible by integration")
    checks = github_checks(
        GitHubFacts(rules=refused, environment=refused, branch_policies=refused, secrets=refused)
    )
    assert [c.status for c in checks] == ["SKIP", "SKIP", "SKIP"]


def test_text_output_puts_the_fix_under_a_failure() -> None:
    checks = kube_checks(Settings(), EVERYTHING, {})
    text = render_text(checks)
    assert "\n     fix: Add it under kubernetes.clusters" in text
    assert text.endswith("jit doctor: 0 passed, 1 failed, 0 skipped\n")
