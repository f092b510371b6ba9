"""The plan comment and its status description (jit.pr.plan, jit.pr.render) on hand-built
plans: the edges a real run rarely reaches (an unknown resource, a comment too large). The
golden files come from real ``jit pr`` runs, in test_plan_golden.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jit.findings import Finding
from jit.markdown import code, esc
from jit.model import (
    ApprovalStage,
    Decision,
    Principal,
    Request,
    Resource,
    StageResult,
    VaultCredentials,
)
from jit.pr.plan import PrPlan, RequestPlan, status_description
from jit.pr.render import render

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
    start = req.not_before if req.not_before and req.not_before > NOW else NOW
    fields: dict[str, object] = {
        "request_id": req.id,
        "resource_id": req.resource,
        "findings": (),
        "matched_rules": (),
        "stages": (StageResult(0, DB.approvals[0].approvers, 1, ()),),
        "auto_approved": False,
        "auto_approve_reason": "prod-db-readonly has no auto-approval rule",
        "starts_at": start,
        "expires_at": start + timedelta(seconds=req.duration),
    }
    fields.update(kw)
    return Decision(**fields)  # type: ignore[arg-type]


def _plan(*requests: RequestPlan, **kw: object) -> PrPlan:
    return PrPlan(
        number=12, author="alice", head_sha="abcdef1234567890", now=NOW, requests=requests, **kw
    )  # type: ignore[arg-type]


def _approved(name: str = "incident-4711", resource: Resource = DB) -> RequestPlan:
    req = _req(name, resource=resource.id)
    stages = (
        StageResult(0, DB.approvals[0].approvers, 1, ("bob",)),
        StageResult(1, DB.approvals[1].approvers, 1, ("dave",)),
    )
    return RequestPlan(req.path, req, resource, _decision(req, stages=stages))


def test_unknown_resource_and_unparsed_file() -> None:
    req = _req(resource="nope")
    unknown = Finding(
        req.path, 2, 11, "unknown-resource", "error", "No resource 'nope' is defined."
    )
    plan = _plan(RequestPlan(req.path, req, None, _decision(req, findings=(unknown,), stages=())))
    assert plan.requests[0].state == "failure"
    body = render(plan)
    assert "`nope` (unknown)" in body


def test_empty_request_pr_is_nothing_to_do() -> None:
    assert status_description(_plan()) == "Ready to merge: nothing to do."


def test_undecided_stage_and_no_stages() -> None:
    req = _req()
    undecided = StageResult(0, (Principal("acme/dba"),), 1, (), undecided=True)
    plan = _plan(RequestPlan(req.path, req, DB, _decision(req, stages=(undecided,))))
    body = render(plan)
    assert "❔ team membership unknown" in body and "Policy rules matched" not in body
    none = _plan(RequestPlan(req.path, req, DB, _decision(req, stages=())))
    assert none.state == "pending" and "Who must approve" not in render(none)


def test_a_not_before_already_passed_starts_on_merge() -> None:
    req = _req(not_before=NOW - timedelta(hours=1))
    body = render(_plan(RequestPlan(req.path, req, DB, _decision(req))))
    assert (
        "| Starts | on merge (2026-11-23 08:00 UTC if merged now; `not_before` "
        "2026-11-23 07:00 UTC has passed) |"
    ) in body


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


def test_nothing_is_missing_from_an_approved_or_unread_request() -> None:
    assert _approved().missing == 0
    assert RequestPlan("requests/alice/broken.yaml").missing == 0
    req = _req()
    assert RequestPlan(req.path, req, DB, _decision(req)).missing == 1
