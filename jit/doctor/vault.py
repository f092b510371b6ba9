"""The Vault checks of ``jit doctor``, over what ``jit.commands.doctor`` read from Vault.

``job_paths`` is the one list of what the reconcile job's token does in Vault (the paths of
``docs/setup/jit-job.hcl`` and ``jit-kube.hcl`` that this set-up uses); a test holds it to
those files. The job's policy must grant exactly that, as ``sys/capabilities-self`` reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jit.doctor import Answer, Check, failed, passed, skipped
from jit.model import Policies, Settings, VaultCredentials, VaultGroup, VaultToken

AREA = "vault"
#: ``identity/group/name/jit-*`` is a glob in the policy; capabilities are asked of one name.
GROUP_PROBE = "identity/group/name/jit-doctor"
HOLDER_POLICY = "jit-credentials"
S52 = "docs/admin.md section 5.2 (Least-privilege policies)"
S53 = "docs/admin.md section 5.3 (The JWT role for the reconcile job)"
S54 = "docs/admin.md section 5.4 (The token role)"
S56 = "docs/admin.md section 5.6 (vault-group grants: requesters' identities)"


@dataclass(frozen=True)
class VaultFacts:
    health: Answer
    #: How jit got a token: "jwt" (GitHub OIDC login), "token" (VAULT_TOKEN) or "none".
    login: str
    login_error: str = ""  # why the JWT login was refused ("" when it worked or was not tried)
    capabilities: Answer | None = None  # sys/capabilities-self on job_paths + credential paths
    token_role: Answer | None = None  # auth/token/roles/<role>
    role_policies: Mapping[str, Answer] = field(default_factory=dict)  # sys/policies/acl/<name>
    tune: Answer | None = None  # sys/auth/token/tune
    tune_scope: str = "token/"  # which token mount ``tune`` is of
    auth_mounts: Answer | None = None  # sys/auth


def vault_resources(policies: Policies) -> list[str]:
    return sorted(r.id for r in policies.resources.values() if r.grant.kind.startswith("vault-"))


def job_paths(settings: Settings, policies: Policies) -> dict[str, frozenset[str]]:
    """Every Vault path the reconcile job's token uses, with the capabilities it needs."""
    grants = [r.grant for r in policies.resources.values()]
    paths: dict[str, frozenset[str]] = {}
    update = frozenset({"update"})
    roles = {g.token_role or settings.vault.token_role for g in grants if isinstance(g, VaultToken)}
    if any(isinstance(g, VaultCredentials) for g in grants):
        roles.add(settings.vault.token_role)
    for role in sorted(roles):
        paths[f"auth/token/create/{role}"] = update
    if any(isinstance(g, VaultToken | VaultCredentials) for g in grants):
        paths["auth/token/lookup-accessor"] = update
        paths["auth/token/revoke-accessor"] = update
    if any(isinstance(g, VaultGroup) for g in grants):
        paths["identity/lookup/entity"] = update
        paths[GROUP_PROBE] = frozenset({"create", "read", "update", "delete"})
        if not settings.vault.identity_mount_accessor:
            paths["sys/auth"] = frozenset({"read"})
    if any(g.kind == "kubernetes-rolebinding" for g in grants):
        for cluster in settings.kubernetes.values():
            if cluster.vault_credentials:
                paths[cluster.vault_credentials.strip("/")] = update
    return paths


def credential_paths(policies: Policies) -> dict[str, frozenset[str]]:
    """Each ``vault-credentials`` path, with what a holder token needs on it."""
    out: dict[str, frozenset[str]] = {}
    for r in sorted(policies.resources.values(), key=lambda r: r.id):
        if isinstance(r.grant, VaultCredentials):
            need = frozenset({"update"}) if r.grant.parameters else frozenset({"read"})
            out[r.grant.path.strip("/")] = need
    return out


def holder_policies(policies: Policies) -> list[str]:
    """The policies the token role must allow: each vault-token's, and the holder's."""
    names: set[str] = set()
    for r in policies.resources.values():
        if isinstance(r.grant, VaultToken):
            names |= set(r.grant.policies)
        if isinstance(r.grant, VaultCredentials):
            names.add(HOLDER_POLICY)
    return sorted(names)


def longest_ttl(settings: Settings, policies: Policies) -> tuple[int, str]:
    """The longest lifetime a jit token must be allowed, and where it comes from."""
    best, where = settings.vault.max_ttl, "vault.max_ttl in policies/settings.yaml"
    for r in sorted(policies.resources.values(), key=lambda r: r.id):
        if isinstance(r.grant, VaultToken | VaultCredentials) and r.max_duration > best:
            best, where = r.max_duration, f"max_duration of resource {r.id!r} ({r.source})"
    return best, where


def vault_checks(settings: Settings, policies: Policies, facts: VaultFacts | None) -> list[Check]:
    """Every Vault check; ``facts`` is None when this set-up has no Vault resource."""
    names = [
        "vault.reachable",
        "vault.login",
        "vault.job-policy",
        "vault.token-role",
        "vault.token-ttl",
        "vault.credentials",
        "vault.identity-mount",
    ]
    if facts is None:
        why = "policies/ has no Vault resource and settings name no Vault credential"
        return [skipped(AREA, n, why) for n in names]
    if not facts.health.ok:
        reach = failed(
            AREA,
            "vault.reachable",
            f"sys/health: {facts.health.said()}",
            "Check VAULT_ADDR (or vault.address), VAULT_CACERT and that Vault is unsealed and "
            "reachable from where jit runs; docs/admin.md section 5 (Vault).",
        )
        return [reach] + [skipped(AREA, n, "Vault is not reachable") for n in names[1:]]
    checks = [passed(AREA, "vault.reachable", "sys/health answered: initialized and unsealed")]
    checks.append(_login(facts, settings))
    if facts.login_error or facts.login == "none":
        why = "no Vault token to check with (see vault.login)"
        return checks + [skipped(AREA, n, why) for n in names[2:]]
    checks.append(_job_policy(facts, settings, policies))
    checks.append(_token_role(facts, settings, policies))
    checks.append(_token_ttl(facts, settings, policies))
    checks.append(_credentials(facts, policies))
    checks.append(_identity(facts, settings, policies))
    return checks


def _login(facts: VaultFacts, settings: Settings) -> Check:
    mount, role = settings.vault.auth_mount, settings.vault.auth_role or "(JIT_VAULT_ROLE)"
    if facts.login == "token":
        return skipped(AREA, "vault.login", "VAULT_TOKEN is set, so the JWT login was not tried")
    if facts.login == "none":
        return skipped(
            AREA,
            "vault.login",
            "not inside GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL is not set) and no "
            "VAULT_TOKEN: run the doctor workflow, or set VAULT_TOKEN to an admin's token for "
            "the checks that need one",
        )
    if facts.login_error:
        return failed(AREA, "vault.login", facts.login_error, f"See {S53}.")
    return passed(AREA, "vault.login", f"GitHub OIDC login at auth/{mount} with role {role!r}")


def _caps(answer: Answer, path: str) -> frozenset[str]:
    found = answer.data.get(path, answer.body.get(path))
    return frozenset(str(c) for c in found) if isinstance(found, list) else frozenset()


def _job_policy(facts: VaultFacts, settings: Settings, policies: Policies) -> Check:
    name = "vault.job-policy"
    needed = job_paths(settings, policies)
    if not needed:
        return skipped(AREA, name, "no resource makes the job use Vault")
    if facts.login != "jwt":
        return skipped(
            AREA,
            name,
            "VAULT_TOKEN is not the reconcile job's token; the job's own policy is checked "
            "when doctor logs in as the job (the doctor workflow)",
        )
    answer = facts.capabilities
    if answer is None or not answer.ok:
        said = answer.said() if answer else "not asked"
        return failed(
            AREA,
            name,
            f"sys/capabilities-self: {said}",
            f'Add path "sys/capabilities-self" {{ capabilities = ["update"] }} to jit-job; {S52}.',
        )
    missing, extra = [], []
    for path, need in sorted(needed.items()):
        have = _caps(answer, path)
        if "deny" in have or not need <= have:
            missing.append(f"{path} lacks {sorted(need - have)}")
        elif have - need:
            extra.append(f"{path} also grants {sorted(have - need)}")
    if missing:
        return failed(
            AREA,
            name,
            "the job's policy does not grant what jit needs: " + "; ".join(missing),
            f"Add the rules of docs/setup/jit-job.hcl (and jit-kube.hcl) to the job's policies; "
            f"{S52}.",
        )
    if extra:
        return failed(
            AREA,
            name,
            "the job's policy grants more than jit needs: " + "; ".join(extra),
            f"Narrow it to docs/setup/jit-job.hcl; {S52}.",
        )
    return passed(AREA, name, f"exactly what jit needs on {len(needed)} path(s)")


def _refused(answer: Answer, what: str, name: str) -> Check | None:
    if answer.status == 403:
        return skipped(
            AREA,
            name,
            f"this token may not read {what} (the job's policy need not): run jit doctor with "
            "an admin's VAULT_TOKEN to check it",
        )
    return None


def _token_role(facts: VaultFacts, settings: Settings, policies: Policies) -> Check:
    name, role = "vault.token-role", settings.vault.token_role
    wanted = holder_policies(policies)
    if not wanted:
        return skipped(AREA, name, "no vault-token or vault-credentials resource")
    answer = facts.token_role or Answer(None, error="not asked")
    path = f"auth/token/roles/{role}"
    refusal = _refused(answer, path, name)
    if refusal:
        return refusal
    if not answer.ok:
        return failed(AREA, name, f"{path}: {answer.said()}", f"Create the token role; {S54}.")
    allowed = {str(p) for p in answer.data.get("allowed_policies") or ()}
    lacking = [p for p in wanted if p not in allowed]
    if lacking:
        return failed(
            AREA,
            name,
            f"token role {role!r} does not allow {lacking} (allowed: {sorted(allowed)})",
            f"Add them to allowed_policies; {S54}.",
        )
    absent = [p for p in wanted if (a := facts.role_policies.get(p)) and a.status == 404]
    if absent:
        return failed(
            AREA,
            name,
            f"token role {role!r} allows policies that do not exist: {absent}",
            f"Write them (vault policy write); {S52}.",
        )
    unread = [p for p in wanted if (a := facts.role_policies.get(p)) is None or not a.ok]
    note = f"; not readable with this token: {unread}" if unread else ""
    return passed(AREA, name, f"token role {role!r} allows {wanted}{note}")


def _token_ttl(facts: VaultFacts, settings: Settings, policies: Policies) -> Check:
    name = "vault.token-ttl"
    answer = facts.tune or Answer(None, error="not asked")
    refusal = _refused(answer, "sys/auth/token/tune", name)
    if refusal:
        return refusal
    if not answer.ok:
        return failed(AREA, name, f"sys/auth/token/tune: {answer.said()}", f"See {S54}.")
    raw = answer.data.get("max_lease_ttl", answer.body.get("max_lease_ttl"))
    have = int(raw) if isinstance(raw, int | float) else 0
    need, where = longest_ttl(settings, policies)
    if have < need:
        return failed(
            AREA,
            name,
            f"the max TTL of {facts.tune_scope} is {_hours(have)}, shorter than {_hours(need)} "
            f"({where}): Vault would cut such grants short",
            f"vault auth tune -max-lease-ttl={_hours(need)} token/ (with VAULT_NAMESPACE unset on "
            f"OpenBao); {S54}.",
        )
    return passed(
        AREA,
        name,
        f"the max TTL of {facts.tune_scope}, {_hours(have)}, covers {_hours(need)} ({where})",
    )


def _credentials(facts: VaultFacts, policies: Policies) -> Check:
    name = "vault.credentials"
    paths = credential_paths(policies)
    if not paths:
        return skipped(AREA, name, "no vault-credentials resource")
    if facts.login == "jwt":
        return skipped(
            AREA,
            name,
            "the job's token does not read credentials (the holder token does, with "
            f"{HOLDER_POLICY}): run jit doctor with an admin's VAULT_TOKEN to check them",
        )
    answer = facts.capabilities or Answer(None, error="not asked")
    if not answer.ok:
        return failed(AREA, name, f"sys/capabilities-self: {answer.said()}", f"See {S52}.")
    bad = []
    for path, need in paths.items():
        have = _caps(answer, path)
        if "root" not in have and ("deny" in have or not need <= have):
            bad.append(f"{path} ({sorted(have) or 'nothing'}, needs {sorted(need)})")
    if bad:
        return failed(
            AREA,
            name,
            "credential paths this token cannot use: " + "; ".join(bad),
            f"Check the secrets engine role and {HOLDER_POLICY} (docs/setup/jit-credentials.hcl); "
            "docs/admin.md section 5.5.",
        )
    return passed(AREA, name, f"{len(paths)} credential path(s) answer: {sorted(paths)}")


def _identity(facts: VaultFacts, settings: Settings, policies: Policies) -> Check:
    name = "vault.identity-mount"
    if not any(isinstance(r.grant, VaultGroup) for r in policies.resources.values()):
        return skipped(AREA, name, "no vault-group resource")
    answer = facts.auth_mounts or Answer(None, error="not asked")
    if not answer.ok:
        return failed(AREA, name, f"sys/auth: {answer.said()}", f"See {S56}.")
    mounts = {str(k): v for k, v in answer.data.items() if isinstance(v, Mapping)}
    accessor = settings.vault.identity_mount_accessor
    if accessor:
        found = [k for k, v in mounts.items() if v.get("accessor") == accessor]
        what = f"accessor {accessor!r} (vault.identity_mount_accessor)"
    else:
        mount = settings.vault.identity_mount.strip("/") + "/"
        found = [mount] if mount in mounts else []
        what = f"auth mount {mount!r} (vault.identity_mount)"
    if not found:
        return failed(
            AREA,
            name,
            f"Vault has no {what}; mounts: {sorted(mounts)}",
            f"Enable the requesters' auth method or fix the setting; {S56}.",
        )
    return passed(AREA, name, f"{what} resolves to auth/{found[0]}")


def _hours(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds}s"
