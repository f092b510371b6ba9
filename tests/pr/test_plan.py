"""The plan comment, its status and description (jit.pr.plan, jit.pr.render): golden files."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jit.findings import Finding
from jit.markdown import code, esc
from jit.model import (
    ApprovalStage,
    Decision,
    KubernetesRoleBinding,
    Principal,
    Request,
    Resource,
    StageResult,
    VaultCredentials,
    VaultGroup,
    VaultToken,
)
from jit.pr.plan import MARKER, PrPlan, RequestPlan, Withdrawal, status_description
from jit.pr.render import render
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DB = Resource(
    id="prod-db-readonly",
    description="Read-only access to the production orders database",
    grant=VaultCredentials("database/creds/orders-readonly"),
    eligible=(Principal("acme/engineering"),),
    max_duration=4 * 3600,
    approvals=(
        ApprovalStage((Principal("acme/dba"),)),
        ApprovalStage((Principal("acme/security"), Principal("dave"))),
    ),
)


def _req(name: str = "incident-4711", **kw: object) -> Request:
    fields: dict[str, object] = {
        "id": f"requests/alice/{name}",
        "path": f"requests/alice/{name}.yaml",
        "requester": "alice",
        "resource": "prod-db-readonly",
        "duration": 7200,
        "duration_text": "2h",
        "reason": "Investigate INC-4711",
        "ticket": "INC-4711",
        "positions": {"duration": (3, 11)},
    }
    fields.update(kw)
    return Request(**fields)  # type: ignore[arg-type]


def _decision(req: Request, **kw: object) -> Decision:
    start = req.not_before or NOW
    fields: dict[str, object] = {
        "request_id": req.id,
        "resource_id": req.resource,
        "findings": (),
        "matched_rules": (
            "alice is eligible for prod-db-readonly as a member of acme/engineering.",
            "2h is within the 4h maximum for prod-db-readonly.",
        ),
        "stages": (
            StageResult(0, DB.approvals[0].approvers, 1, ("bob",)),
            StageResult(
                1,
                DB.approvals[1].approvers,
                1,
                (),
                not_counted=(
                    (
                        "alice",
                        "alice requested this access, and a requester's approval never counts.",
                    ),
                    ("erin", "erin approved commit 1111111, not the head commit abcdef1."),
                ),
            ),
        ),
        "auto_approved": False,
        "auto_approve_reason": "No auto-approval rule is defined for prod-db-readonly.",
        "starts_at": start,
        "expires_at": start + timedelta(seconds=req.duration),
    }
    fields.update(kw)
    return Decision(**fields)  # type: ignore[arg-type]


def _plan(*requests: RequestPlan, **kw: object) -> PrPlan:
    return PrPlan(
        number=12, author="alice", head_sha="abcdef1234567890", now=NOW, requests=requests, **kw
    )  # type: ignore[arg-type]


def _pending() -> RequestPlan:
    req = _req()
    return RequestPlan(req.path, req, DB, _decision(req))


def _approved(name: str = "incident-4711", resource: Resource = DB) -> RequestPlan:
    req = _req(name, resource=resource.id)
    stages = (
        StageResult(0, DB.approvals[0].approvers, 1, ("bob",)),
        StageResult(1, DB.approvals[1].approvers, 1, ("dave",)),
    )
    return RequestPlan(req.path, req, resource, _decision(req, stages=stages))


def test_pending_request() -> None:
    plan = _plan(_pending())
    assert plan.state == "pending"
    assert status_description(plan) == (
        "Waiting for 1 approval on 1 request; see the jit plan comment for who may approve."
    )
    assert_golden(GOLDEN / "pending.md", render(plan))


def test_approved_request() -> None:
    plan = _plan(_approved())
    assert plan.state == "success"
    assert status_description(plan) == "Ready to merge: 1 request approved."
    assert plan.requests[0].missing == 0
    assert_golden(GOLDEN / "approved.md", render(plan))


def test_auto_approved_scheduled_request_in_a_draft() -> None:
    req = _req(not_before=datetime(2026, 11, 24, 9, 0, tzinfo=UTC), ticket=None)
    decision = _decision(
        req,
        stages=(),
        auto_approved=True,
        auto_approve_reason="alice is in acme/oncall and 2h is within the 4h auto-approval maximum.",
    )
    plan = _plan(RequestPlan(req.path, req, DB, decision), draft=True)
    assert plan.state == "success"
    assert status_description(plan) == "Ready to merge: 1 request approved (1 automatically)."
    assert_golden(GOLDEN / "auto-approved-draft.md", render(plan))


HOSTILE = "<img src=x onerror=alert(1)> @mallory `tick` | pipe <!-- jit:plan --> [link](http://x)"


def test_invalid_request_with_hostile_text() -> None:
    req = _req(duration=8 * 3600, duration_text="8h", ticket=HOSTILE)
    bad = Finding(
        req.path, 3, 11, "duration-over-max", "error", f"8h exceeds the 4h maximum; {HOSTILE}"
    )
    broken = RequestPlan(
        "requests/alice/broken.yaml",
        findings=(
            Finding(
                "requests/alice/broken.yaml",
                2,
                1,
                "duplicate-key",
                "error",
                "Key 'duration' appears twice; keep one.",
            ),
        ),
    )
    plan = _plan(
        RequestPlan(req.path, req, DB, _decision(req, findings=(bad,))),
        broken,
        findings=(
            Finding(
                "policies/databases.yaml",
                None,
                None,
                "pr-changes-policies",
                "error",
                "This PR changes a policy (policies/databases.yaml). Open a separate PR for it.",
            ),
        ),
    )
    assert plan.state == "failure"
    assert status_description(plan) == (
        "Invalid: 3 errors in 3 files; see the jit plan comment for how to fix them."
    )
    body = render(plan)
    assert body.count(MARKER) == 1 and body.startswith(MARKER)
    outside = re.sub(r"(`+)(?:(?!\1).)*?\1", "", body)  # text outside code spans
    assert (
        "<img" not in outside
        and "@mallory" not in outside
        and not re.search(r"(?<!\\)\]\(", outside)
    )
    assert "<img" in body  # the value is shown, inside a code span
    assert_golden(GOLDEN / "invalid-hostile.md", body)


def test_unknown_resource_and_unparsed_file() -> None:
    req = _req(resource="nope")
    unknown = Finding(
        req.path, 2, 11, "unknown-resource", "error", "No resource 'nope' is defined."
    )
    plan = _plan(RequestPlan(req.path, req, None, _decision(req, findings=(unknown,), stages=())))
    assert plan.requests[0].state == "failure"
    body = render(plan)
    assert "`nope` (unknown)" in body


def test_many_requests_fold_and_withdrawals() -> None:
    k8s = replace(
        DB,
        id="prod-k8s-debug",
        description="Debug pods",
        grant=KubernetesRoleBinding("prod", "payments", "debug", "Role", "{login}@acme.example"),
    )
    k8s_cluster = replace(
        k8s,
        id="prod-k8s-admin",
        grant=KubernetesRoleBinding("prod", None, "admin", "ClusterRole", "{login}"),
    )
    token = replace(
        DB, id="vault-admin", grant=VaultToken(("admin", "audit"), token_role="jit-admin")
    )
    group = replace(DB, id="vault-ops", grant=VaultGroup(("ops",)))
    requests = (
        _approved("a", k8s),
        _approved("b", k8s_cluster),
        _approved("c", token),
        _approved("d", group),
    )
    withdrawals = (
        Withdrawal("requests/alice/old.yaml", "alice", "prod-db-readonly"),
        Withdrawal("requests/bob/x.yaml", "bob", None),
        Withdrawal(
            "requests/carol/y.yaml",
            "carol",
            "prod-db-readonly",
            findings=(
                Finding(
                    "requests/carol/y.yaml",
                    None,
                    None,
                    "withdraw-not-allowed",
                    "error",
                    "'alice' may not withdraw 'carol''s request.",
                ),
            ),
        ),
    )
    plan = _plan(*requests, withdrawals=withdrawals)
    assert plan.state == "failure"
    assert_golden(GOLDEN / "many-with-withdrawals.md", render(plan))
    ok = replace(plan, withdrawals=withdrawals[:2])
    assert (
        status_description(ok)
        == "Ready to merge: 4 requests approved, 2 withdrawals to revoke on merge."
    )


def test_withdrawal_only() -> None:
    plan = _plan(withdrawals=(Withdrawal("requests/alice/old.yaml", "alice", "prod-db-readonly"),))
    assert status_description(plan) == "Ready to merge: 1 withdrawal to revoke on merge."
    assert_golden(GOLDEN / "withdrawal.md", render(plan))


def test_not_a_request_pr() -> None:
    plan = _plan(request_pr=False)
    assert plan.state == "success"
    assert status_description(plan) == "No access requests in this PR; code-owner review decides."
    assert_golden(GOLDEN / "not-a-request-pr.md", render(plan))


def test_empty_request_pr_is_nothing_to_do() -> None:
    assert status_description(_plan()) == "Ready to merge: nothing to do."


def test_undecided_stage_and_no_stages() -> None:
    req = _req()
    undecided = StageResult(0, (Principal("acme/dba"),), 1, (), undecided=True)
    plan = _plan(
        RequestPlan(req.path, req, DB, _decision(req, stages=(undecided,), matched_rules=()))
    )
    body = render(plan)
    assert "❔ team membership unknown" in body and "Policy rules matched" not in body
    none = _plan(RequestPlan(req.path, req, DB, _decision(req, stages=())))
    assert none.state == "pending" and "Approval stages" not in render(none)


def test_large_pr_falls_back_to_a_compact_comment() -> None:
    requests = tuple(_approved(f"r{i:03}") for i in range(100))
    plan = _plan(*requests)
    full = render(plan, limit=10**9)
    compact = render(plan)
    assert len(full) > 60_000 >= len(compact)
    assert "full plan is in the job summary" in compact
    assert compact.count("| `requests/alice/r") == 100
    tiny = render(plan, limit=2_000)
    assert len(tiny) <= 2_000 and tiny.endswith("…(truncated)")


def test_compact_lists_at_most_100_findings() -> None:
    findings = tuple(
        Finding(f"x{i}", None, None, "pr-changes-other", "error", "m") for i in range(150)
    )
    assert render(_plan(findings=findings), limit=10**6).count("`pr-changes-other`") == 150
    body = render(_plan(findings=findings), limit=5_000)
    assert body.count("`pr-changes-other`") == 100
    assert "…and 50 more in the job summary" in body


def test_status_description_is_capped() -> None:
    findings = tuple(Finding(f"x{i}", None, None, "c", "error", "m") for i in range(10**3))
    assert len(status_description(_plan(findings=findings))) <= 140


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a", "`a`"), ("a`b", "``a`b``"), ("`a", "`` `a ``"), ("", "` `"), ("a|b", "`a|b`")],
)
def test_code_spans(text: str, expected: str) -> None:
    assert code(text) == expected


def test_code_in_tables_and_escaping() -> None:
    assert code("a|b", table=True) == "`a\\|b`"
    assert code("x" * 200).endswith("…`")
    assert esc("a\nb  *c* @d <e>") == "a b \\*c\\* @\u200bd &lt;e&gt;"
