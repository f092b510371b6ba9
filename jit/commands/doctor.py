"""``jit doctor``: gather what GitHub, Vault and Kubernetes say about the set-up, then judge
it with the pure checks of ``jit.doctor``.

Environment: as ``jit reconcile`` (``GITHUB_TOKEN``/``JIT_GITHUB_TOKEN``, ``GITHUB_REPOSITORY``,
``GITHUB_API_URL``, ``VAULT_ADDR``, ``VAULT_TOKEN`` or the GitHub OIDC login, the clusters'
tokens). Read-only: nothing is created, no credential is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from jit.adapters.actions import add_mask
from jit.doctor import Answer, Check, exit_code, failed, passed, render_json, render_text
from jit.doctor.github import ENVIRONMENT, GitHubFacts, github_checks
from jit.doctor.kube import VERBS, KubeFacts, Target, kube_checks, targets
from jit.doctor.vault import (
    VaultFacts,
    credential_paths,
    holder_policies,
    job_paths,
    vault_checks,
)
from jit.model import Policies, Settings
from jit.parse.repository import load_policies


def run(
    repo: Path,
    fmt: str,
    *,
    env: Mapping[str, str],
    out: TextIO,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    policies, settings, findings = load_policies(repo, env)
    errors = [f for f in findings if f.is_error]
    if errors:
        first = errors[0]
        repo_check = failed(
            "repository",
            "repository.policies",
            f"{len(errors)} error(s) in policies/, first {first.as_text()}",
            "Run `jit check` and fix them; docs/admin.md section 7.",
        )
    else:
        repo_check = passed(
            "repository",
            "repository.policies",
            f"policies/ parse: {len(policies.resources)} resource(s)",
        )

    def mask(secret: str) -> None:
        if env.get("GITHUB_ACTIONS") == "true" and secret:
            out.write(add_mask(secret) + "\n")
            out.flush()

    checks: list[Check] = [repo_check]
    checks += github_checks(_github(env))
    vault, probe = _vault(settings, policies, env, mask, sleep)
    checks += vault_checks(settings, policies, vault)
    checks += kube_checks(settings, policies, _kube(settings, policies, probe, mask, sleep))
    out.write(render_json(checks) if fmt == "json" else render_text(checks))
    return exit_code(checks)


def _answer(said: tuple[int | None, Mapping[str, object], str]) -> Answer:
    status, body, error = said
    return Answer(status, dict(body), error)


def _github(env: Mapping[str, str]) -> GitHubFacts | None:
    from jit.adapters.github.client import DEFAULT_API_URL
    from jit.adapters.github.probe import GitHubProbe, segment

    token = env.get("JIT_GITHUB_TOKEN") or env.get("GITHUB_TOKEN")
    repository = env.get("GITHUB_REPOSITORY", "")
    if not token or not repository:
        return None
    probe = GitHubProbe(token, repository, env.get("GITHUB_API_URL") or DEFAULT_API_URL)
    branch = "main"
    where = f"environments/{segment(ENVIRONMENT)}"
    return GitHubFacts(
        rules=_answer(probe.get(f"rules/branches/{branch}")),
        environment=_answer(probe.get(where)),
        branch_policies=_answer(probe.get(f"{where}/deployment-branch-policies")),
        secrets=_answer(probe.get(f"{where}/secrets")),
        branch=branch,
    )


def _vault(
    settings: Settings,
    policies: Policies,
    env: Mapping[str, str],
    mask: Callable[[str], None],
    sleep: Callable[[float], None],
) -> tuple[VaultFacts | None, object | None]:
    from jit.adapters.vault.probe import VaultProbe

    uses_vault = any(r.grant.kind.startswith("vault-") for r in policies.resources.values()) or any(
        c.vault_credentials for c in settings.kubernetes.values()
    )
    if not uses_vault:
        return None, None
    if not (env.get("VAULT_ADDR") or settings.vault.address):
        none = Answer(None, error="VAULT_ADDR and vault.address are both unset")
        return VaultFacts(health=none, login="none"), None
    probe = VaultProbe(settings.vault, env, mask=mask, sleep=sleep)
    health = _answer(probe.health())
    if not health.ok:
        return VaultFacts(health=health, login="none"), None
    login, error = probe.login()
    if error or login == "none":
        return VaultFacts(health=health, login=login, login_error=error), None
    paths = sorted({*job_paths(settings, policies), *credential_paths(policies)})
    return (
        VaultFacts(
            health=health,
            login=login,
            capabilities=_answer(probe.post("sys/capabilities-self", {"paths": paths})),
            token_role=_answer(probe.get(f"auth/token/roles/{settings.vault.token_role}")),
            role_policies={
                name: _answer(probe.get(f"sys/policies/acl/{name}"))
                for name in holder_policies(policies)
            },
            # On OpenBao the root namespace's token/ caps tokens in every namespace (a
            # namespace's own tuning is accepted and ignored; docs/admin.md section 5.4).
            tune=_answer(probe.get("sys/auth/token/tune", root_namespace=probe.namespaced)),
            tune_scope="the root namespace's token/" if probe.namespaced else "token/",
            auth_mounts=_answer(probe.get("sys/auth")),
        ),
        probe,
    )


def _kube(
    settings: Settings,
    policies: Policies,
    vault: object | None,
    mask: Callable[[str], None],
    sleep: Callable[[float], None],
) -> KubeFacts:
    from jit.adapters.kube.probe import access_review
    from jit.adapters.kube.tokens import token_provider
    from jit.adapters.vault.probe import VaultProbe

    write = vault.write if isinstance(vault, VaultProbe) else None
    token_for = token_provider(write, mask=mask)
    facts: dict[tuple[Target, str], Answer] = {}
    for target in targets(policies):
        cluster = settings.kubernetes.get(target.cluster)
        if cluster is None:
            continue
        for verb in VERBS:
            facts[(target, verb)] = _answer(
                access_review(
                    cluster, token_for, verb, target.resource, target.namespace, sleep=sleep
                )
            )
    return facts
