"""The policy impact comment's Markdown, for the code owners of a policy PR.

Everything in it may come from the PR's policy files (resource ids, team and user names,
Vault paths), so every value goes through :func:`jit.markdown.code` or :func:`jit.markdown.esc`.
The comment informs; it approves nothing.
"""

from __future__ import annotations

from datetime import datetime

from jit.markdown import code, esc, when
from jit.pr.impact import Impact
from jit.pr.impact_history import HISTORY_DAYS

MARKER = "<!-- jit:policy-impact -->"
#: GitHub rejects comments over 65,536 characters; stay well below.
LIMIT = 60_000
_ROWS = 50  # at most this many rows per table; the rest are counted
_FOOTER = (
    "<sub>This comment is information for the code owners: it approves nothing, and the "
    "code-owner review decides. jit edits it on every push.</sub>"
)


def render_impact(impact: Impact, number: int, head_sha: str, now: datetime) -> str:
    """The impact comment, starting with the hidden marker."""
    head = (
        f"{MARKER}\n## 🔎 jit: policy impact\n\nPR #{number} · head {code(head_sha[:7])} · "
        f"evaluated {when(now)}. What merging this PR's `policies/` would change, compared "
        "with the base branch."
    )
    parts = [head]
    if impact.policy_errors:
        parts.append(
            f"⚠️ The PR's policies have {impact.policy_errors} error(s): resources with errors "
            "would grant nothing. Run `jit check` on the PR's branch to see them."
        )
    parts += [_resources(impact), _eligibility(impact), _history(impact), _grants(impact)]
    if impact.unknown_teams:
        teams = ", ".join(code(t) for t in impact.unknown_teams)
        parts.append(
            f"⚠️ Membership of {teams} could not be read, so eligibility through them is left "
            "out; check the team names and that jit's GitHub App may read team members."
        )
    parts.append(_FOOTER)
    text = "\n\n".join(p for p in parts if p) + "\n"
    return text if len(text) <= LIMIT else text[: LIMIT - 20] + "\n\n…(truncated)\n"


def _cut(rows: list[str], total: int) -> list[str]:
    if total > _ROWS:
        return [*rows[:_ROWS], f"\n…and {total - _ROWS} more."]
    return rows


def _resources(impact: Impact) -> str:
    if not impact.changes:
        return "### Resources\n\nNo resource is added, removed or changed."
    rows = ["### Resources", "", "| Resource | Change | What |", "|---|---|---|"]
    for change in impact.changes[:_ROWS]:
        what = "<br>".join(esc(d, 300) for d in change.details) or "—"
        rows.append(f"| {code(change.resource, table=True)} | {change.change} | {what} |")
    return "\n".join(_cut(rows, len(impact.changes)))


def _eligibility(impact: Impact) -> str:
    intro = (
        f"### Eligibility\n\nAmong the {impact.people} people jit knows of (named in the "
        "policies, requesters, approvers on record and holders of live grants), with team "
        "memberships resolved:"
    )
    if not impact.eligibility:
        return f"{intro} nobody gains or loses eligibility."
    lines = [intro, ""]
    for e in impact.eligibility[:_ROWS]:
        said = []
        if e.gains:
            said.append("gains " + ", ".join(code(p) for p in e.gains))
        if e.loses:
            said.append("loses " + ", ".join(code(p) for p in e.loses))
        lines.append(f"- {code(e.resource)}: {'; '.join(said)}")
    return "\n".join(_cut(lines, len(impact.eligibility)))


def _history(impact: Impact) -> str:
    intro = (
        f"### Requests of the last {HISTORY_DAYS} days\n\n{impact.reevaluated} request(s) from "
        "the audit log judged again with the approvals on record"
    )
    if impact.unrebuilt:
        intro += f" ({impact.unrebuilt} more could not be rebuilt: their files are gone)"
    if not impact.redecided:
        return f"{intro}: none would be decided differently."
    rows = [
        f"{intro}; {len(impact.redecided)} would be decided differently:",
        "",
        "| Request | Requester | Resource | On record | Then | Now | Why |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in impact.redecided[:_ROWS]:
        rows.append(
            f"| {code(r.request_id, table=True)} | {code(r.requester, table=True)} | "
            f"{code(r.resource, table=True)} | {r.recorded} {when(r.at)} | {r.before} | "
            f"{r.after} | {esc(r.why, 300)} |"
        )
    return "\n".join(_cut(rows, len(impact.redecided)))


def _grants(impact: Impact) -> str:
    if not impact.grants:
        return "### Live grants\n\nNo live grant was granted under rules this PR changes."
    rows = [
        "### Live grants",
        "",
        "Granted under rules this PR changes. Each still ends at its recorded expiry; to end "
        "one sooner, delete its request file in a pull request.",
        "",
        "| Grant | Requester | Resource | Expires | Why |",
        "|---|---|---|---|---|",
    ]
    for a in impact.grants[:_ROWS]:
        g = a.grant
        why = "; ".join(esc(w, 200) for w in a.why)
        rows.append(
            f"| {code(g.grant_id, table=True)} | {code(g.requester, table=True)} | "
            f"{code(g.resource, table=True)} | {when(g.expires_at)} | {why} |"
        )
    return "\n".join(_cut(rows, len(impact.grants)))
