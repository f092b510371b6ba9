"""The Kubernetes checks of ``jit doctor``: may jit's cluster identity create and delete the
bindings the policies grant? Asked with a ``SelfSubjectAccessReview`` per target."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jit.doctor import Answer, Check, failed, passed, skipped
from jit.model import KubernetesRoleBinding, Policies, Settings

AREA = "kubernetes"
VERBS = ("create", "delete")
S61 = "docs/admin.md section 6.1 (What jit may do in a cluster)"


@dataclass(frozen=True, order=True)
class Target:
    cluster: str
    namespace: str | None  # None: ClusterRoleBindings

    @property
    def resource(self) -> str:
        return "rolebindings" if self.namespace else "clusterrolebindings"

    def where(self) -> str:
        place = f"namespace {self.namespace}" if self.namespace else "cluster scope"
        return f"{self.resource} in {place} of cluster {self.cluster}"


def targets(policies: Policies) -> list[Target]:
    found = {
        Target(r.grant.cluster, r.grant.namespace)
        for r in policies.resources.values()
        if isinstance(r.grant, KubernetesRoleBinding)
    }
    return sorted(found, key=lambda t: (t.cluster, t.namespace or ""))


#: (target, verb) -> the SelfSubjectAccessReview's answer (or why it was not asked).
KubeFacts = Mapping[tuple[Target, str], Answer]


def kube_checks(settings: Settings, policies: Policies, facts: KubeFacts) -> list[Check]:
    wanted = targets(policies)
    if not wanted:
        return [skipped(AREA, "kubernetes.rbac", "no kubernetes-rolebinding resource")]
    checks = []
    for target in wanted:
        name = f"kubernetes.rbac {target.cluster}/{target.namespace or '*'}"
        if target.cluster not in settings.kubernetes:
            checks.append(
                failed(
                    AREA,
                    name,
                    f"cluster {target.cluster!r} is not in policies/settings.yaml",
                    "Add it under kubernetes.clusters; docs/admin.md section 7.",
                )
            )
            continue
        denied, broken = [], []
        for verb in VERBS:
            answer = facts.get((target, verb), Answer(None, error="not asked"))
            if not answer.ok:
                broken.append(f"{verb}: {answer.said()}")
            elif (answer.body.get("status") or {}).get("allowed") is not True:
                reason = (answer.body.get("status") or {}).get("reason") or "no RBAC rule"
                denied.append(f"{verb} ({reason})")
        if broken:
            checks.append(
                failed(
                    AREA,
                    name,
                    f"SelfSubjectAccessReview on {target.where()}: " + "; ".join(broken),
                    "Check the cluster's server, CA and jit's token (token_env or "
                    "vault_credentials); docs/admin.md sections 6.1 and 6.2.",
                )
            )
        elif denied:
            checks.append(
                failed(
                    AREA,
                    name,
                    f"jit may not {', '.join(denied)} {target.where()}",
                    f"Apply docs/setup/jit-rbac.yaml for that namespace; {S61}.",
                )
            )
        else:
            checks.append(passed(AREA, name, f"jit may create and delete {target.where()}"))
    return checks
