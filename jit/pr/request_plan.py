"""One request's section of the plan: what it asks for, its approval stages, auto-approval,
the policy rules it matched and its findings. Hostile values go through ``jit.markdown``."""

from __future__ import annotations

from collections.abc import Iterable

from jit.durations import format_duration
from jit.findings import Finding
from jit.markdown import code, code_html, details, esc, when
from jit.model import GrantSpec, Principal, StageResult
from jit.pr.plan import RequestPlan, State

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
    parts = [_facts(r), _stages(r), _auto(r), _rules(r)]
    if r.all_findings:
        parts.append("**Findings**\n\n" + findings_list(r.all_findings))
    body = "\n\n".join(p for p in parts if p)
    if fold:
        return details(f"{ICON[r.state]} {code_html(request_id(r))}: {request_status(r)}", body)
    return f"### {ICON[r.state]} {code(request_id(r))}: {request_status(r)}\n\n{body}"


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
        return f"{kind}: a Vault token with policies {codes(grant.policies)}{role}"
    if grant.kind == "vault-group":
        return f"{kind}: a Vault group with policies {codes(grant.policies)}"
    where = (
        f"namespace {code(grant.namespace, table=True)}"
        if grant.namespace
        else "the whole cluster (ClusterRoleBinding)"
    )
    return (
        f"{kind}: {grant.role_kind} {code(grant.role, table=True)} in {where} on cluster "
        f"{code(grant.cluster, table=True)} for {code(grant.render_subject(login), table=True)}"
    )


def codes(items: Iterable[str | Principal]) -> str:
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
