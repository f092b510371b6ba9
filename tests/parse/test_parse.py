"""Parsing into the model: requests, policies across files, settings and the environment."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

from jit.model import (
    ApprovalStage,
    AutoApproveRule,
    Hours,
    KubernetesCluster,
    KubernetesRoleBinding,
    Principal,
    Settings,
    VaultCredentials,
    VaultGroup,
    VaultSettings,
    VaultToken,
)
from jit.parse import link_settings, parse_policies, parse_request, parse_settings
from tests.parse.helpers import ROOT

REQUEST = b"""# yaml-language-server: $schema=../../schemas/request.schema.json
requester: alice
resource: prod-db-readonly
duration: 1h30m
reason: Investigate INC-4711
ticket: INC-4711
not_before: 2026-11-23T10:00:00+01:00
"""


def test_request_becomes_the_model() -> None:
    request, findings = parse_request("requests/alice/incident-4711.yaml", REQUEST)
    assert findings == []
    assert request is not None
    assert request.id == "requests/alice/incident-4711"
    assert request.path == "requests/alice/incident-4711.yaml"
    assert (request.requester, request.resource, request.ticket) == (
        "alice",
        "prod-db-readonly",
        "INC-4711",
    )
    assert (request.duration, request.duration_text) == (5400, "1h30m")
    assert request.not_before == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert request.not_before.utcoffset() == timedelta(hours=1)  # type: ignore[union-attr]
    assert request.reason == "Investigate INC-4711"
    assert (request.line_of("duration"), request.column_of("duration")) == (4, 11)
    assert request.line_of("nonexistent") == 2  # the document root


def test_not_before_accepts_lowercase_and_negative_offsets() -> None:
    raw = REQUEST.replace(b"2026-11-23T10:00:00+01:00", b"2026-11-23t04:00:00.5-05:00")
    request, findings = parse_request("requests/alice/x.yaml", raw)
    assert findings == []
    assert request is not None and request.not_before is not None
    assert request.not_before.tzinfo == timezone(timedelta(hours=-5))
    assert request.not_before.astimezone(UTC) == datetime(2026, 11, 23, 9, 0, 0, 500000, UTC)


def test_bad_path_and_bad_content_are_both_reported() -> None:
    request, findings = parse_request("requests/alice/x.yml", b"requester: [\n")
    assert request is None
    assert [f.code for f in findings] == ["request-path", "yaml-syntax"]


def test_a_request_with_only_semantic_errors_is_not_returned() -> None:
    raw = REQUEST.replace(b"1h30m", b"0s")
    request, findings = parse_request("requests/alice/x.yaml", raw)
    assert request is None
    assert [(f.code, f.line, f.column) for f in findings] == [("duration-zero", 4, 11)]


POLICY_A = b"""resources:
  shared:
    description: Defined in two files
    grant: {kind: vault-token, policies: [ops]}
    eligible: [alice]
    max_duration: 1h
    approvals: [{from: [carol]}]
  only-a:
    description: A Kubernetes grant
    grant:
      kind: kubernetes-rolebinding
      cluster: prod
      namespace: orders
      role: edit
      role_kind: Role
      subject: "{login}@example.com"
      subject_kind: Group
    eligible: [alice, acme/eng]
    max_duration: 2h
    approvals:
      - from: [acme/sre, carol]
        count: 2
    auto_approve:
      - requester_in: [acme/oncall]
        max_duration: 30m
      - requester_in: [bob]
    ticket: '^INC-[0-9]+$'
    hours: {days: [mon, fri], start: "08:30", end: "17:00", timezone: Europe/Berlin}
    revokers: [acme/security]
    delivery_fallback: wrapping-token
"""
POLICY_B = b"""resources:
  shared:
    description: The second definition
    grant: {kind: vault-group, policies: [admin]}
    eligible: [bob]
    max_duration: 1h
    approvals: [{from: [carol]}]
  only-b:
    description: Credentials with parameters
    grant: {kind: vault-credentials, path: kubernetes/creds/dev, parameters: {ttl: 1, ns: x}}
    eligible: [bob]
    max_duration: 1d
    approvals: [{from: [dave]}]
  broken:
    description: A schema error keeps only this resource out
    grant: {kind: vault-token, policies: []}
    eligible: [bob]
    max_duration: 1h
"""


def test_policies_across_files() -> None:
    policies, findings = parse_policies({"policies/b.yaml": POLICY_B, "policies/a.yaml": POLICY_A})
    duplicates = [(f.file, f.line) for f in findings if f.code == "duplicate-resource"]
    assert duplicates == [("policies/a.yaml", 2), ("policies/b.yaml", 2)]
    message = next(f.message for f in findings if f.code == "duplicate-resource")
    assert "policies/a.yaml:2 and policies/b.yaml:2" in message
    assert [(f.file, f.code, f.line) for f in findings if f.code != "duplicate-resource"] == [
        ("policies/b.yaml", "invalid-value", 16)
    ]
    assert sorted(policies.resources) == ["only-a", "only-b"]
    assert policies.invalid == {"shared", "broken"}

    only_a = policies.resources["only-a"]
    assert only_a.grant == KubernetesRoleBinding(
        cluster="prod",
        namespace="orders",
        role="edit",
        role_kind="Role",
        subject="{login}@example.com",
        subject_kind="Group",
    )
    assert only_a.eligible == (Principal("alice"), Principal("acme/eng"))
    assert only_a.approvals == (ApprovalStage((Principal("acme/sre"), Principal("carol")), 2),)
    assert only_a.auto_approve == (
        AutoApproveRule((Principal("acme/oncall"),), 1800),
        AutoApproveRule((Principal("bob"),), None),
    )
    assert only_a.hours == Hours(frozenset({"mon", "fri"}), time(8, 30), time(17), "Europe/Berlin")
    assert (only_a.ticket, only_a.max_duration) == ("^INC-[0-9]+$", 7200)
    assert only_a.revokers == (Principal("acme/security"),)
    assert only_a.delivery_fallback == "wrapping-token"
    assert (only_a.source, only_a.line) == ("policies/a.yaml", 8)

    only_b = policies.resources["only-b"]
    assert only_b.grant == VaultCredentials("kubernetes/creds/dev", {"ttl": 1, "ns": "x"})
    assert only_b.max_duration == 86400
    assert (only_b.hours, only_b.ticket, only_b.delivery_fallback) == (None, None, None)


def test_other_grant_kinds() -> None:
    raw = POLICY_A.replace(b"only-a", b"z").split(b"  z:")[0]
    policies, _ = parse_policies({"policies/a.yaml": raw})
    assert policies.resources["shared"].grant == VaultToken(("ops",), None)
    policies, _ = parse_policies({"policies/b.yaml": POLICY_B})
    assert "shared" in policies.resources
    assert policies.resources["shared"].grant == VaultGroup(("admin",))


def test_link_settings_refuses_unknown_clusters() -> None:
    policies, _ = parse_policies({"policies/a.yaml": POLICY_A})
    linked, findings = link_settings(policies, Settings())
    assert [(f.file, f.line, f.code) for f in findings] == [
        ("policies/a.yaml", 8, "unknown-cluster")
    ]
    assert "none are defined" in findings[0].message
    assert "only-a" not in linked.resources and "only-a" in linked.invalid
    cluster = KubernetesCluster(name="prod", server="https://k8s", ca_data="x", token_env="T")
    same, findings = link_settings(policies, Settings(kubernetes={"prod": cluster}))
    assert (same, findings) == (policies, [])


def test_a_file_that_is_not_yaml_loads_nothing_from_it() -> None:
    policies, findings = parse_policies({"policies/a.yaml": b"resources: [\n"})
    assert (dict(policies.resources), policies.invalid) == ({}, frozenset())
    assert [f.code for f in findings] == ["yaml-syntax"]
    policies, findings = parse_policies({"policies/a.yaml": b"resources: 3\n"})
    assert [f.code for f in findings] == ["wrong-type"]


def test_settings_defaults_without_a_file_and_env_overrides() -> None:
    settings, findings = parse_settings("policies/settings.yaml", None, {})
    assert (settings, findings) == (Settings(), [])
    env = {
        "VAULT_ADDR": "https://vault.test:8200",
        "VAULT_NAMESPACE": "team",
        "JIT_VAULT_ROLE": "ci",
        "JIT_VAULT_AUTH_PATH": "github-jwt",
        "JIT_VAULT_AUDIENCE": "https://github.com/acme",
        "UNRELATED": "x",
    }
    settings, _ = parse_settings("policies/settings.yaml", b"vault: {auth_role: file}\n", env)
    vault = settings.vault
    assert (vault.address, vault.namespace, vault.auth_role) == (
        "https://vault.test:8200",
        "team",
        "ci",
    )
    assert (vault.auth_mount, vault.oidc_audience) == ("github-jwt", "https://github.com/acme")
    settings, _ = parse_settings(
        "policies/settings.yaml", b"vault: {auth_role: file}\n", {"JIT_VAULT_ROLE": ""}
    )
    assert settings.vault.auth_role == "file"  # an empty variable overrides nothing


def test_the_bundled_settings_file() -> None:
    raw = (ROOT / "policies/settings.yaml").read_bytes()
    settings, findings = parse_settings("policies/settings.yaml", raw, {})
    assert findings == []
    assert settings.vault.wrap_ttl == 3600
    assert settings.kubernetes["prod-eu"].vault_credentials == "kubernetes/creds/jit-granter"
    assert settings.revokers == (Principal("acme/security"),)
    assert (settings.delivery_fallback, settings.reminder_minutes) == ("refuse", 15)
    assert (settings.audit_dir, settings.state_dir, settings.bot_name) == (
        "audit",
        "state",
        "jit-bot",
    )


def test_settings_problems_fall_back_to_defaults() -> None:
    raw = b"""vault: {wrap_ttl: 0s}
kubernetes:
  clusters:
    both: {server: "https://a", ca_file: a.pem, ca_data: x, token_env: T}
    neither: {server: "https://b"}
"""
    settings, findings = parse_settings("policies/settings.yaml", raw, {"VAULT_ADDR": "https://v"})
    assert [(f.code, f.line) for f in findings] == [
        ("duration-zero", 1),
        ("cluster-ca", 4),
        ("cluster-ca", 5),
        ("cluster-credentials", 5),
    ]
    assert settings == Settings(vault=VaultSettings(address="https://v"))
    settings, findings = parse_settings("policies/settings.yaml", b"vault: {adress: x}\n", {})
    assert [f.code for f in findings] == ["unknown-key"]
    assert "did you mean address?" in findings[0].message
    assert settings == Settings()
    settings, findings = parse_settings("policies/settings.yaml", b"a: &x 1\n", {})
    assert [f.code for f in findings] == ["yaml-anchor"]
