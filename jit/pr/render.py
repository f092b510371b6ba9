"""The plan comment's Markdown: short, scannable, and safe with hostile values.

Every value that comes from a PR (paths, request fields, finding messages quoting them) goes
through :func:`jit.markdown.code` or :func:`jit.markdown.esc`. Long parts fold into
``<details>``; a PR too big for one comment gets a compact table, the full plan going to the
job summary.
"""

from __future__ import annotations

from collections.abc import Iterable

from jit.markdown import code, when
from jit.pr.plan import MARKER, PrPlan, State, Withdrawal
from jit.pr.request_plan import ICON, findings_list, request_id, request_section, request_status

#: GitHub rejects comments over 65,536 characters; stay well below.
COMMENT_LIMIT = 60_000
_TITLE: dict[State, str] = {
    "failure": "invalid, see the findings",
    "pending": "waiting for approvals",
    "success": "ready to merge",
}
_FOOTER = "<sub>jit re-evaluates this PR on every push and review and edits this comment.</sub>"


def render(plan: PrPlan, *, limit: int = COMMENT_LIMIT) -> str:
    """The plan as Markdown, starting with the hidden marker; compact when it would exceed ``limit``."""
    full = _join([_header(plan), _overview(plan), *_sections(plan), _merging(plan), _FOOTER])
    if len(full) <= limit:
        return full
    note = (
        "_This PR is too large for one comment: the full plan is in the job summary of this run._"
    )
    compact = _join(
        [_header(plan), note, _overview(plan, force=True), _findings_block(plan), _merging(plan)]
    )
    return compact if len(compact) <= limit else compact[: limit - 20] + "\n\n…(truncated)"


def _join(parts: Iterable[str]) -> str:
    return "\n\n".join(p for p in parts if p) + "\n"


def _header(plan: PrPlan) -> str:
    if not plan.request_pr:
        title = "## ✅ jit plan: no access requests"
        body = "This PR changes no request files, so jit has nothing to judge; code-owner review decides."
        return f"{MARKER}\n{title}\n\n{body}"
    title = f"## {ICON[plan.state]} jit plan: {_TITLE[plan.state]}"
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
            f"| {code(request_id(r), table=True)} | {code(res, table=True)} | {code(dur, table=True)} "
            f"| {ICON[r.state]} {request_status(r)} |"
        )
    for w in plan.withdrawals:
        res = code(w.resource, table=True) if w.resource else "?"
        verdict = "revoke on merge" if w.state == "success" else "not allowed"
        out.append(
            f"| {code(w.path, table=True)} | {res} | withdrawn | {ICON[w.state]} {verdict} |"
        )
    return "\n".join(out)


def _sections(plan: PrPlan) -> list[str]:
    fold = len(plan.requests) > 3
    out = [request_section(r, fold) for r in plan.requests]
    if plan.withdrawals:
        out.append(_withdrawals(plan.withdrawals, plan.author))
    if plan.findings:
        out.append(
            "### ❌ Files that do not belong in a request PR\n\n" + findings_list(plan.findings)
        )
    return out


def _merging(plan: PrPlan) -> str:
    """Who may merge, and what the merge does: access starts on merge, not on approval."""
    if not plan.request_pr or not (plan.requests or plan.withdrawals):
        return ""
    if plan.state == "failure":
        return (
            "### Merging\n\n`jit/approval` stays red until the findings above are fixed, so "
            "this PR cannot be merged. Push the fixes to this PR; jit judges it again."
        )
    who = (
        "anyone with write access to this repository may merge it (the requester too, if they "
        "have it), once the repository's other required checks pass"
    )
    when_ = (
        "`jit/approval` is green: " + who
        if plan.state == "success"
        else "when every approval stage above is met, `jit/approval` turns green and " + who
    )
    out = [f"### Merging\n\n{when_[0].upper()}{when_[1:]}."]
    if plan.draft:
        out.append("GitHub merges no draft: mark it ready for review first.")
    if plan.requests:
        out.append(
            "Access starts on merge, not on approval: jit checks each request again on the "
            "default branch and grants it within minutes, or at its `not_before` time (UTC) if "
            "that is later. Each grant ends on its own when its duration is up; the requester "
            "can hand it back earlier with `jit release`."
        )
    if plan.withdrawals:
        out.append("The withdrawn access is revoked within minutes of the merge.")
    return " ".join(out)


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
            f"| {ICON[w.state]} {code(w.path, table=True)} | {code(w.requester, table=True)} | {res} | {by} |"
        )
    found = [f for w in items for f in w.findings]
    if found:
        out += ["", findings_list(found)]
    return "\n".join(out)


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
    return "### Findings\n\n" + findings_list(shown) + more
