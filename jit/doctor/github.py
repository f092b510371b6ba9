"""The GitHub checks of ``jit doctor``: main's rules and the ``jit-production`` environment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jit.doctor import Answer, Check, failed, passed, skipped

AREA = "github"
ENVIRONMENT = "jit-production"
#: The secrets the reconcile job reads from its environment (docs/admin.md section 8).
SECRETS = ("JIT_APP_PRIVATE_KEY",)
STATUS = "jit/approval"
S2 = "docs/admin.md section 2 (The environments jit-production and jit-validator)"
S3 = "docs/admin.md section 3 (Protecting main)"


@dataclass(frozen=True)
class GitHubFacts:
    rules: Answer  # GET /repos/{repo}/rules/branches/{branch}: {"items": [rule, ...]}
    environment: Answer  # GET /repos/{repo}/environments/jit-production
    branch_policies: Answer  # .../environments/jit-production/deployment-branch-policies
    secrets: Answer  # .../environments/jit-production/secrets (names only)
    branch: str = "main"


def github_checks(facts: GitHubFacts | None) -> list[Check]:
    names = ("github.ruleset", "github.environment", "github.environment-secrets")
    if facts is None:
        why = "no GitHub token or GITHUB_REPOSITORY (set GITHUB_TOKEN and GITHUB_REPOSITORY)"
        return [skipped(AREA, n, why) for n in names]
    return [_ruleset(facts), _environment(facts), _secrets(facts)]


def _unreadable(answer: Answer, name: str, what: str, needs: str) -> Check | None:
    if answer.status in (401, 403):
        return skipped(AREA, name, f"this token may not read {what} ({answer.said()}): {needs}")
    return None


def _ruleset(facts: GitHubFacts) -> Check:
    name, answer = "github.ruleset", facts.rules
    what = f"the rules of {facts.branch}"
    refusal = _unreadable(answer, name, what, "give it Metadata: read")
    if refusal:
        return refusal
    if not answer.ok:
        return failed(AREA, name, f"{what}: {answer.said()}", f"See {S3}.")
    rules: Sequence[Mapping[str, Any]] = [
        r for r in answer.body.get("items") or () if isinstance(r, Mapping)
    ]
    kinds = {str(r.get("type")) for r in rules}
    params = [r.get("parameters") or {} for r in rules]
    problems = []
    checks = {
        str(c.get("context"))
        for r, p in zip(rules, params, strict=True)
        if r.get("type") == "required_status_checks"
        for c in p.get("required_status_checks") or ()
    }
    if STATUS not in checks:
        problems.append(f"the {STATUS} status is not required")
    owners = any(
        r.get("type") == "pull_request" and p.get("require_code_owner_review") is True
        for r, p in zip(rules, params, strict=True)
    )
    if not owners:
        problems.append("code-owner review is not required")
    if "non_fast_forward" not in kinds:
        problems.append("force pushes are not blocked")
    if problems:
        return failed(
            AREA,
            name,
            f"{facts.branch}: " + "; ".join(problems),
            f"Create the ruleset of docs/setup/ruleset.json; {S3}.",
        )
    return passed(
        AREA,
        name,
        f"{facts.branch} requires {STATUS} and code-owner review, and blocks force pushes",
    )


def _environment(facts: GitHubFacts) -> Check:
    name, answer = "github.environment", facts.environment
    refusal = _unreadable(answer, name, f"environment {ENVIRONMENT}", "give it Actions: read")
    if refusal:
        return refusal
    if answer.status == 404:
        return failed(AREA, name, f"environment {ENVIRONMENT} does not exist", f"See {S2}.")
    if not answer.ok:
        return failed(AREA, name, f"environment {ENVIRONMENT}: {answer.said()}", f"See {S2}.")
    policy = answer.body.get("deployment_branch_policy") or {}
    fix = f"Deployment branches: selected branches, the one rule `main`; {S2}."
    if not policy.get("custom_branch_policies"):
        return failed(
            AREA, name, f"environment {ENVIRONMENT} is not restricted to {facts.branch}", fix
        )
    listed = facts.branch_policies
    if not listed.ok:
        return failed(AREA, name, f"its deployment branch policies: {listed.said()}", fix)
    patterns = sorted(
        f"{p.get('type', 'branch')}:{p.get('name')}"
        for p in listed.body.get("branch_policies") or ()
        if isinstance(p, Mapping)
    )
    if patterns != [f"branch:{facts.branch}"]:
        return failed(
            AREA,
            name,
            f"environment {ENVIRONMENT} admits {patterns or 'no branch'}, not only {facts.branch}",
            fix,
        )
    return passed(AREA, name, f"environment {ENVIRONMENT} admits only branch {facts.branch}")


def _secrets(facts: GitHubFacts) -> Check:
    name, answer = "github.environment-secrets", facts.secrets
    refusal = _unreadable(
        answer, name, f"the secrets of {ENVIRONMENT}", "give it Environments: read"
    )
    if refusal:
        return refusal
    if not answer.ok:
        return failed(AREA, name, f"secrets of {ENVIRONMENT}: {answer.said()}", f"See {S2}.")
    names = {str(s.get("name")) for s in answer.body.get("secrets") or () if isinstance(s, Mapping)}
    missing = [s for s in SECRETS if s not in names]
    if missing:
        return failed(
            AREA,
            name,
            f"environment {ENVIRONMENT} lacks the secret(s) {missing}",
            "gh secret set JIT_APP_PRIVATE_KEY --env jit-production; docs/admin.md section 1.",
        )
    return passed(AREA, name, f"environment {ENVIRONMENT} holds {list(SECRETS)} (names only)")
