"""Run policy test cases (``policies/tests/*.yaml``) against the policies. Pure.

A case passes when the engine's decision is the expected one (``granted``: valid and
approved; ``pending``: valid, approvals missing; ``denied``: a rule fails), every expected
reason appears in one of the engine's reasons, and exactly the expected stages are met. A
case that does not is an error finding at its line, saying what was expected and what the
engine decided, with the engine's reasons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from jit.findings import Finding
from jit.model import Decision, Policies
from jit.parse.policy_tests import Expected, PolicyCase
from jit.policy.engine import evaluate, team_names

__all__ = ["outcome", "reasons", "run_cases"]


def outcome(decision: Decision) -> Expected:
    """``granted``, ``pending`` or ``denied``: the decision as a policy test names it."""
    if not decision.valid:
        return "denied"
    return "granted" if decision.approved else "pending"


def reasons(decision: Decision) -> list[str]:
    """Every sentence the engine gave: findings first, then the rules that passed."""
    found = [f.message for f in decision.findings]
    return [*found, *decision.matched_rules, decision.auto_approve_reason]


def run_cases(cases: Iterable[PolicyCase], policies: Policies) -> list[Finding]:
    """An error finding for every case whose decision is not the expected one."""
    findings: list[Finding] = []
    for case in cases:
        message = _mismatch(case, policies)
        if message is not None:
            findings.append(
                Finding(case.file, case.line, None, "policy-test-failed", "error", message)
            )
    return findings


def _mismatch(case: PolicyCase, policies: Policies) -> str | None:
    # A team the policies name and the case leaves out has no members: the case is the whole world.
    # Team names are compared case-insensitively, as GitHub does.
    listed = {team.lower() for team in case.ctx.teams}
    empty = {t: frozenset[str]() for t in team_names(policies) if t.lower() not in listed}
    ctx = replace(case.ctx, teams={**empty, **case.ctx.teams})
    decision = evaluate(case.request, policies, ctx)
    got = outcome(decision)
    said = reasons(decision)
    problems: list[str] = []
    if got != case.expect:
        problems.append(f"expected {case.expect}, but the engine decided {got}")
    missing = [r for r in case.reasons if not any(r in s for s in said)]
    if missing:
        problems.append(
            "the engine gave none of the expected reasons " + ", ".join(repr(r) for r in missing)
        )
    if case.stages_met is not None:
        met = tuple(s.index + 1 for s in decision.stages if s.met)
        if sorted(set(case.stages_met)) != list(met):
            problems.append(
                f"expected stages met {_stages(case.stages_met)}, but the engine met {_stages(met)}"
            )
    if not problems:
        return None
    because = "; ".join(s.rstrip(".") for s in said if s)
    return (
        f"policy test {case.name!r} fails: {'; '.join(problems)}. The engine's reasons: "
        f"{because}. Fix the policy, or the test if the policy change is intended"
    )


def _stages(numbers: Iterable[int]) -> str:
    listed = sorted(set(numbers))
    return ", ".join(str(n) for n in listed) if listed else "none"
