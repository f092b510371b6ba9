"""One request's section of the plan: what it asks for, its approval stages, auto-approval,
the policy rules it matched and its findings. Hostile values go through ``jit.markdown``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from jit.durations import format_duration
from jit.findings import Finding
from jit.markdown import code, code_html, details, esc, when
from jit.model import GrantSpec, Principal, StageResult
from jit.pr.plan import RequestPlan, State

#: The reason is the approver's main input: shown whole (the schema caps it at 2,000).
REASON_LIMIT = 2000
ICON: dict[State, str] = {"failure": "❌", "pending": "⏳", "success": "✅"}
_SEVERITY = {
    "error": "❌",
    "warning": "⚠️",
    "note": "\N{INFORMATION SOURCE}\N{VARIATION SELECTOR-16}",
}


def request_id(r: RequestPlan) -> str:
    return r.request.id if r.request else r.path


def request_status(r: RequestPlan) -> str:
    if r.state == "failure":
        errors = sum(1 for f in r.all_findings if f.is_error) or 1
        return f"{errors} error{'s' if errors > 1 else ''}"
    if r.state == "pending":
        return f"{r.missing} approval{'s' if r.missing != 1 else ''} missing"
    auto = r.decision is not None and r.decision.auto_approved
    return "auto-approved" if auto else "approved"


def request_section(r: RequestPlan, fold: bool) -> str:
    parts = [_facts(r), _technical(r), _stages(r), _auto(r), _rules(r)]
    if r.all_findings:
        parts.append("**Findings**\n\n" + findings_list(r.all_findings))
    body = "\n\n".join(p for p in parts if p)
    if fold:
        return details(f"{ICON[r.state]} {code_html(request_id(r))}: {request_status(r)}", body)
    return f"### {ICON[r.state]} {code(request_id(r))}: {request_status(r)}\n\n{body}"


def _facts(r: RequestPlan) -> str:
    """Who asks for what, why, and for how long: the approver's reading, in plain words."""
    req, d = r.request, r.decision
    if req is None:
        return "The file could not be read as a request; fix the findings below."
    rows = [
        ("Requester", code(req.requester, table=True)),
        ("Reason", esc(req.reason, REASON_LIMIT)),
    ]
    if req.ticket:
        rows.append(("Ticket", code(req.ticket, table=True, limit=60)))
    if r.resource is not None:
        rows.append(("Access", esc(r.resource.description, 300)))
        rows.append(("Resource", code(req.resource, table=True)))
        most = format_duration(r.resource.max_duration)
        rows.append(("Duration", f"{code(req.duration_text, table=True)} (at most {most})"))
    else:
        rows.append(("Resource", code(req.resource, table=True) + " (unknown)"))
        rows.append(("Duration", code(req.duration_text, table=True)))
    if d is not None and d.starts_at and d.expires_at:
        rows.append(("Starts", _start(req.not_before, d.starts_at)))
        rows.append(
            ("Ends", f"{when(d.expires_at)}, {format_duration(req.duration)} after the start")
        )
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)


def _start(not_before: datetime | None, starts_at: datetime) -> str:
    """When access starts: on merge, or at ``not_before`` when that is later (times in UTC)."""
    if not_before is None:
        return f"on merge ({when(starts_at)} if merged now)"
    if starts_at == not_before:
        return f"{when(starts_at)} (`not_before`), or on merge if that is later"
    return f"on merge ({when(starts_at)} if merged now; `not_before` {when(not_before)} has passed)"


def _technical(r: RequestPlan) -> str:
    """The grant as jit issues it (Vault paths, policies, roles), folded away."""
    if r.request is None or r.resource is None:
        return ""
    return details("What jit issues, technically", _grant(r.resource.grant, r.request.requester))


def _grant(grant: GrantSpec, login: str) -> str:
    kind = code(grant.kind)
    if grant.kind == "vault-credentials":
        return f"{kind}: dynamic credentials from {code(grant.path)}"
    if grant.kind == "vault-token":
        role = f" through token role {code(grant.token_role)}" if grant.token_role else ""
        return f"{kind}: a Vault token with policies {codes(grant.policies, table=False)}{role}"
    if grant.kind == "vault-group":
        return f"{kind}: membership of a Vault group with policies {codes(grant.policies, table=False)}"
    where = (
        f"namespace {code(grant.namespace)}"
        if grant.namespace
        else "the whole cluster (ClusterRoleBinding)"
    )
    return (
        f"{kind}: {grant.role_kind} {code(grant.role)} in {where} on cluster "
        f"{code(grant.cluster)} for {code(grant.render_subject(login))}"
    )


def codes(items: Iterable[str | Principal], *, table: bool = True) -> str:
    return ", ".join(code(str(i), table=table) for i in items) or "—"


def _stages(r: RequestPlan) -> str:
    d = r.decision
    if d is None or not d.stages:
        return ""
    if d.auto_approved:  # the stages are not needed: no "missing" beside "auto-approved"
        return "**Who must approve**: nobody, because an auto-approval rule applies (below)."
    out = [
        "**Who must approve**: every stage must be met, each by different people, with an "
        "ordinary GitHub review (Approve) of the latest commit. The requester, the PR's author, "
        "anyone who pushed to it and bots do not count.",
        "",
        "| Stage | Who may approve | Needed | Approved by | Status |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| {s.index + 1} | {codes(s.approvers)} | {s.count} | {codes(s.approved_by)} | {_stage_status(s)} |"
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


def findings_list(findings: Iterable[Finding]) -> str:
    return "\n".join(_finding(f) for f in findings)


def _finding(f: Finding) -> str:
    where = code(f.file) + (f" line {f.line}" if f.line is not None else "")
    return f"- {_SEVERITY[f.severity]} {where} {code(f.code)}: {esc(f.message)}"
