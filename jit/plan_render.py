"""The plan comment's Markdown: short, scannable, and safe with hostile values.

Every value that comes from a PR (paths, request fields, finding messages quoting them) goes
through :func:`jit.markdown.code` or :func:`jit.markdown.esc`. Long parts fold into
``<details>``; a PR too big for one comment gets a compact table, the full plan going to the
job summary.
"""

from __future__ import annotations

from collections.abc import Iterable

from jit.durations import format_duration
from jit.findings import Finding
from jit.markdown import code, code_html, details, esc, when
from jit.model import GrantSpec, Principal, StageResult
from jit.plan import MARKER, PrPlan, RequestPlan, State, Withdrawal

#: GitHub rejects comments over 65,536 characters; stay well below.
COMMENT_LIMIT = 60_000
_ICON: dict[State, str] = {"failure": "❌", "pending": "⏳", "success": "✅"}
_SEVERITY = {
    "error": "❌",
    "warning": "⚠️",
    "note": "\N{INFORMATION SOURCE}\N{VARIATION SELECTOR-16}",
}
_TITLE: dict[State, str] = {
    "failure": "invalid, see the findings",
    "pending": "waiting for approvals",
    "success": "ready to merge",
}
_FOOTER = "<sub>jit re-evaluates this PR on every push and review and edits this comment.</sub>"


def render(plan: PrPlan, *, limit: int = COMMENT_LIMIT) -> str:
    """The plan as Markdown, starting with the hidden marker; compact when it would exceed ``limit``."""
    full = _join([_header(plan), _overview(plan), *_sections(plan), _FOOTER])
    if len(full) <= limit:
        return full
    note = (
        "_This PR is too large for one comment: the full plan is in the job summary of this run._"
    )
    compact = _join([_header(plan), note, _overview(plan, force=True), _findings_block(plan)])
    return compact if len(compact) <= limit else compact[: limit - 20] + "\n\n…(truncated)"


def _join(parts: Iterable[str]) -> str:
    return "\n\n".join(p for p in parts if p) + "\n"


def _header(plan: PrPlan) -> str:
    if not plan.request_pr:
        title = "## ✅ jit plan: no access requests"
        body = "This PR changes no request files, so jit has nothing to judge; code-owner review decides."
        return f"{MARKER}\n{title}\n\n{body}"
    title = f"## {_ICON[plan.state]} jit plan: {_TITLE[plan.state]}"
    line = (
        f"PR #{plan.number} by {code(plan.author)} · head {code(plan.head_sha[:7])} · "
        f"evaluated {when(plan.now)}"
    )
    if plan.draft:
        line += (
            "\n\nThis PR is a draft: reviewers are requested when it is marked ready for review."
        )
    return f"{MARKER}\n{title}\n\n{line}"


def _overview(plan: PrPlan, *, force: bool = False) -> str:
    rows = len(plan.requests) + len(plan.withdrawals)
    if rows == 0 or (rows == 1 and not force):
        return ""
    out = ["| Request | Resource | Duration | Status |", "|---|---|---|---|"]
    for r in plan.requests:
        res = r.request.resource if r.request else "?"
        dur = r.request.duration_text if r.request else "?"
        out.append(
            f"| {code(_rid(r), table=True)} | {code(res, table=True)} | {code(dur, table=True)} "
            f"| {_ICON[r.state]} {_request_status(r)} |"
        )
    for w in plan.withdrawals:
        res = code(w.resource, table=True) if w.resource else "?"
        out.append(
            f"| {code(w.path, table=True)} | {res} | withdrawn | {_ICON[w.state]} revoke on merge |"
        )
    return "\n".join(out)


def _sections(plan: PrPlan) -> list[str]:
    fold = len(plan.requests) > 3
    out = [_request(r, fold) for r in plan.requests]
    if plan.withdrawals:
        out.append(_withdrawals(plan.withdrawals, plan.author))
    if plan.findings:
        out.append("### ❌ Files that do not belong in a request PR\n\n" + _findings(plan.findings))
    return out


def _rid(r: RequestPlan) -> str:
    return r.request.id if r.request else r.path


def _request_status(r: RequestPlan) -> str:
    if r.state == "failure":
        errors = sum(1 for f in r.all_findings if f.is_error) or 1
        return f"{errors} error{'s' if errors > 1 else ''}"
    if r.state == "pending":
        return f"{r.missing} approval{'s' if r.missing != 1 else ''} missing"
    auto = r.decision is not None and r.decision.auto_approved
    return "auto-approved" if auto else "approved"


def _request(r: RequestPlan, fold: bool) -> str:
    parts = [_facts(r), _stages(r), _auto(r), _rules(r)]
    if r.all_findings:
        parts.append("**Findings**\n\n" + _findings(r.all_findings))
    body = "\n\n".join(p for p in parts if p)
    if fold:
        return details(f"{_ICON[r.state]} {code_html(_rid(r))}: {_request_status(r)}", body)
    return f"### {_ICON[r.state]} {code(_rid(r))}: {_request_status(r)}\n\n{body}"


def _facts(r: RequestPlan) -> str:
    req, d = r.request, r.decision
    if req is None:
        return "The file could not be read as a request; fix the findings below."
    rows = [("Requester", code(req.requester, table=True))]
    resource = code(req.resource, table=True)
    if r.resource is not None:
        resource += f": {esc(r.resource.description, 200)}"
        rows.append(("Resource", resource))
        rows.append(("Grant", _grant(r.resource.grant, req.requester)))
        rows.append(
            (
                "Duration",
                f"{code(req.duration_text, table=True)} (at most {format_duration(r.resource.max_duration)})",
            )
        )
    else:
        rows.append(("Resource", resource + " (unknown)"))
        rows.append(("Duration", code(req.duration_text, table=True)))
    at_merge = req.not_before is None or (d is not None and d.starts_at != req.not_before)
    if d is not None and d.starts_at and d.expires_at:
        start = (
            f"on merge ({when(d.starts_at)} if merged now)"
            if at_merge
            else (f"{when(d.starts_at)} (not_before), or on merge if that is later")
        )
        rows.append(("Starts", start))
        rows.append(
            ("Ends", f"{when(d.expires_at)}, {format_duration(req.duration)} after the start")
        )
    rows.append(("Not before", when(req.not_before) if req.not_before else "not set"))
    if req.ticket:
        rows.append(("Ticket", code(req.ticket, table=True, limit=60)))
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)


def _grant(grant: GrantSpec, login: str) -> str:
    kind = code(grant.kind, table=True)
    if grant.kind == "vault-credentials":
        return f"{kind}: dynamic credentials from {code(grant.path, table=True)}"
    if grant.kind == "vault-token":
        role = (
            f" through token role {code(grant.token_role, table=True)}" if grant.token_role else ""
        )
        return f"{kind}: a Vault token with policies {_codes(grant.policies)}{role}"
    if grant.kind == "vault-group":
        return f"{kind}: a Vault group with policies {_codes(grant.policies)}"
    where = (
        f"namespace {code(grant.namespace, table=True)}"
        if grant.namespace
        else "the whole cluster (ClusterRoleBinding)"
    )
    return (
        f"{kind}: {grant.role_kind} {code(grant.role, table=True)} in {where} on cluster "
        f"{code(grant.cluster, table=True)} for {code(grant.render_subject(login), table=True)}"
    )


def _codes(items: Iterable[str | Principal]) -> str:
    return ", ".join(code(str(i), table=True) for i in items) or "—"


def _stages(r: RequestPlan) -> str:
    d = r.decision
    if d is None or not d.stages:
        return ""
    out = [
        "**Approval stages**: every stage must be met, each by different people.",
        "",
        "| Stage | Who may approve | Needed | Approved by | Status |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| {s.index + 1} | {_codes(s.approvers)} | {s.count} | {_codes(s.approved_by)} | {_stage_status(s)} |"
        for s in d.stages
    ]
    seen = dict.fromkeys((login, why) for s in d.stages for login, why in s.not_counted)
    if seen:
        lines = "\n".join(f"- {code(login)}: {esc(why)}" for login, why in seen)
        out += ["", details(f"Approvals seen but not counted ({len(seen)})", lines, open_=True)]
    return "\n".join(out)


def _stage_status(s: StageResult) -> str:
    if s.met:
        return "✅ met"
    if s.undecided:
        return "❔ team membership unknown"
    return f"⏳ {s.missing} missing"


def _auto(r: RequestPlan) -> str:
    d = r.decision
    if d is None:
        return ""
    verdict = "✅ applies" if d.auto_approved else "does not apply"
    reason = d.auto_approve_reason.rstrip()
    end = "" if reason.endswith((".", "!", "?")) else "."
    return f"**Auto-approval {verdict}:** {esc(reason)}{end}"


def _rules(r: RequestPlan) -> str:
    d = r.decision
    if d is None or not d.matched_rules:
        return ""
    lines = "\n".join(f"- {esc(rule)}" for rule in d.matched_rules)
    return details(f"Policy rules matched ({len(d.matched_rules)})", lines)


def _withdrawals(items: tuple[Withdrawal, ...], author: str) -> str:
    out = [
        "### Withdrawals",
        "",
        "On merge, the access these deleted requests gave is revoked (if it is still active).",
        "",
        "| Request | Requester | Resource | Withdrawn by |",
        "|---|---|---|---|",
    ]
    for w in items:
        res = code(w.resource, table=True) if w.resource else "unknown"
        if w.requester.lower() == author.lower():
            by = "the requester"
        else:
            by = f"{code(author, table=True)}, " + (
                "a revoker" if w.state == "success" else "not a revoker"
            )
        out.append(
            f"| {_ICON[w.state]} {code(w.path, table=True)} | {code(w.requester, table=True)} | {res} | {by} |"
        )
    found = [f for w in items for f in w.findings]
    if found:
        out += ["", _findings(found)]
    return "\n".join(out)


def _findings(findings: Iterable[Finding]) -> str:
    return "\n".join(_finding(f) for f in findings)


def _finding(f: Finding) -> str:
    where = code(f.file) + (f" line {f.line}" if f.line is not None else "")
    return f"- {_SEVERITY[f.severity]} {where} {code(f.code)}: {esc(f.message)}"


def _findings_block(plan: PrPlan) -> str:
    found = plan.all_findings
    if not found:
        return ""
    shown = found[:100]
    more = (
        f"\n- …and {len(found) - len(shown)} more in the job summary"
        if len(found) > len(shown)
        else ""
    )
    return "### Findings\n\n" + _findings(shown) + more
