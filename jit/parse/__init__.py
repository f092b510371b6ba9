"""Schema and semantic checks: file content -> ``Request`` / ``Policies`` / ``Settings`` plus
findings. Pure (no I/O); ``jit.parse.repository`` reads the files. Each parser is in its own module:

- ``parse_request(path, raw) -> (Request | None, findings)``
- ``parse_policies({path: raw}) -> (Policies, findings)``
- ``parse_settings(path, raw | None, env) -> (Settings, findings)``
- ``link_settings(policies, settings) -> (Policies, findings)``: what needs both.
"""

from __future__ import annotations

from dataclasses import replace

from jit.durations import format_duration
from jit.findings import Finding
from jit.model import KubernetesRoleBinding, Policies, Resource, Settings
from jit.parse.policies import parse_policies
from jit.parse.request import parse_request
from jit.parse.settings import parse_settings

__all__ = ["link_settings", "parse_policies", "parse_request", "parse_settings"]


#: Grant kinds that live no longer than a Vault token (a credential's lease dies with its
#: holder token).
_TOKEN_KINDS = frozenset({"vault-token", "vault-credentials"})


def _over_vault_max(rid: str, resource: Resource, max_ttl: int) -> Finding:
    return Finding(
        resource.source,
        resource.line,
        None,
        "duration-over-vault-max",
        "error",
        f"{rid} allows grants of {format_duration(resource.max_duration)}, but a Vault token "
        f"lives at most {format_duration(max_ttl)} (vault.max_ttl in policies/settings.yaml: the "
        "token auth mount's max TTL), so Vault would end longer grants early; lower max_duration "
        "to that, or raise the mount's max TTL (vault auth tune -max-lease-ttl=2160h token/, "
        "docs/admin.md) and vault.max_ttl with it",
    )


def link_settings(policies: Policies, settings: Settings) -> tuple[Policies, list[Finding]]:
    """Check what policies name in settings (Kubernetes clusters); a resource naming an
    unknown cluster moves to ``Policies.invalid``."""
    findings: list[Finding] = []
    broken: set[str] = set()
    for rid, resource in sorted(policies.resources.items()):
        grant = resource.grant
        if grant.kind in _TOKEN_KINDS and resource.max_duration > settings.vault.max_ttl:
            findings.append(_over_vault_max(rid, resource, settings.vault.max_ttl))
            broken.add(rid)
        if isinstance(grant, KubernetesRoleBinding) and grant.cluster not in settings.kubernetes:
            known = ", ".join(sorted(settings.kubernetes)) or "none are defined"
            findings.append(
                Finding(
                    resource.source,
                    resource.line,
                    None,
                    "unknown-cluster",
                    "error",
                    f"{rid} grants on the Kubernetes cluster {grant.cluster!r}, which is not "
                    f"under kubernetes.clusters in policies/settings.yaml ({known}); add it "
                    "there or fix the name",
                )
            )
            broken.add(rid)
    if not broken:
        return policies, findings
    kept = {rid: r for rid, r in policies.resources.items() if rid not in broken}
    return replace(policies, resources=kept, invalid=policies.invalid | broken), findings
