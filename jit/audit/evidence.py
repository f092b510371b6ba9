"""``jit audit evidence``: what goes into an evidence pack, and its index page. Pure.

The command (``jit.commands.evidence``) reads the log and git history and writes the files;
this module names the policy changes (which PR, whose approvals git records) and renders
``index.html``: self-contained, no script, a CSP that admits only its own style sheet.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from jit.audit.canon import format_ts

#: GitHub's squash and rebase merges end the subject with "(#123)"; merge commits start
#: "Merge pull request #123 from ...".
_PR_SUFFIX = re.compile(r"\(#(\d+)\)\s*$")
_PR_MERGE = re.compile(r"^Merge pull request #(\d+)\b")
_APPROVAL_TRAILER = re.compile(r"^(?:Approved-by|Reviewed-by):\s*(.+?)\s*$", re.M | re.I)


@dataclass(frozen=True)
class PolicyChange:
    commit: str
    committed_at: str
    author: str
    subject: str
    pr: int | None
    approvers: tuple[str, ...]  # from Approved-by/Reviewed-by trailers; GitHub writes none
    files: tuple[str, ...]  # "M\tpolicies/resources.yaml"
    diff_file: str  # relative path of its patch in the pack


def policy_change(
    commit: str, committed_at: str, author: str, message: str, files: Sequence[str], diff_file: str
) -> PolicyChange:
    subject = message.splitlines()[0] if message else ""
    found = _PR_SUFFIX.search(subject) or _PR_MERGE.search(subject)
    approvers = tuple(m.strip() for m in _APPROVAL_TRAILER.findall(message))
    return PolicyChange(commit, committed_at, author, subject,
                        int(found[1]) if found else None, approvers, tuple(files), diff_file)  # fmt: skip


@dataclass(frozen=True)
class Link:
    href: str  # relative to the pack
    title: str
    note: str = ""


@dataclass(frozen=True)
class Pack:
    period: str
    start: datetime
    end: datetime
    generated: datetime
    repository: str  # what the pack was made from (path and HEAD commit)
    verified: bool
    verification: str
    links: Sequence[Link]
    start_commit: str | None
    end_commit: str | None
    changes: Sequence[PolicyChange]
    reviews: int  # access-review entries found in the log for the period
    grants: int
    denials: int
    policy_files: Sequence[str] = ()  # "policies-start/resources.yaml", ...


_STYLE = """
body { font: 14px/1.5 system-ui, sans-serif; color: #1d232b; max-width: 1100px; margin: 0 auto;
  padding: 24px 28px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.meta { color: #5b6570; }
.ok, .fail { padding: 8px 12px; border-left: 6px solid #2e8540; background: #f6f8fa; }
.fail { border-left-color: #c0392b; }
pre { white-space: pre-wrap; font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #d6dbe1; padding: 4px 8px; }
th { background: #f6f8fa; font-size: 12px; }
code { font: 12px ui-monospace, Menlo, Consolas, monospace; }
@media print { body { padding: 0; } a { color: inherit; } tr { break-inside: avoid; } }
"""
_CSP = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
    + "'; base-uri 'none'; form-action 'none'"
)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def index_html(pack: Pack) -> str:
    verdict = "Verified: the audit log is intact and every check holds" if pack.verified else (
        "NOT verified: the audit log has problems (see verification.txt)")  # fmt: skip
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>Access evidence {_e(pack.period)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Access evidence: {_e(pack.period)}</h1>",
        f'<p class="meta">Period {format_ts(pack.start)} to {format_ts(pack.end)} (UTC). Made '
        f"{format_ts(pack.generated)} by jit from {_e(pack.repository)}.</p>",
        f'<p class="{"ok" if pack.verified else "fail"}"><strong>{_e(verdict)}</strong><br>'
        f"{pack.grants} grant(s) and {pack.denials} denial(s) in the period.</p>",
        "<h2>Contents</h2><table><tr><th>File</th><th>What it holds</th></tr>",
        *(
            f'<tr><td><a href="{_e(link.href)}">{_e(link.href)}</a></td><td>{_e(link.title)}'
            f"{'<br>' + _e(link.note) if link.note else ''}</td></tr>"
            for link in pack.links
        ),
        "</table>",
        "<h2>Policies</h2>",
        f"<p>At the start of the period: {_commit(pack.start_commit, 'policies-start/', pack)}."
        f"<br>At the end of the period: {_commit(pack.end_commit, 'policies-end/', pack)}.</p>",
        "<h2>Policy changes in the period</h2>",
        _changes(pack.changes),
        "<h2>Access reviews</h2>",
        f"<p>{_e(_reviews(pack.reviews))}</p>",
        "<h2>Verification</h2>",
        f"<pre>{_e(pack.verification.rstrip())}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _commit(commit: str | None, folder: str, pack: Pack) -> str:
    if commit is None:
        return "no commit yet (the repository is younger than the period), so no policies"
    files = [f for f in pack.policy_files if f.startswith(folder)]
    links = ", ".join(f'<a href="{_e(f)}">{_e(f.removeprefix(folder))}</a>' for f in files)
    return f"commit <code>{_e(commit[:12])}</code>: {links or 'no files under policies/'}"


def _changes(changes: Sequence[PolicyChange]) -> str:
    if not changes:
        return "<p>No commit changed <code>policies/</code> during the period.</p>"
    rows = [
        "<table><tr><th>When</th><th>Commit</th><th>PR</th><th>Author</th><th>Subject</th>"
        "<th>Approvals</th><th>Files</th></tr>"
    ]
    for c in changes:
        approvals = ", ".join(c.approvers) or (
            f"on PR #{c.pr} (GitHub records reviews; git does not)" if c.pr else
            "none recorded: no PR in the commit message (pushed directly?)")  # fmt: skip
        rows.append(
            f'<tr><td>{_e(c.committed_at)}</td><td><a href="{_e(c.diff_file)}"><code>'
            f"{_e(c.commit[:12])}</code></a></td><td>{f'#{c.pr}' if c.pr else ''}</td>"
            f"<td>{_e(c.author)}</td><td>{_e(c.subject)}</td><td>{_e(approvals)}</td>"
            f"<td>{'<br>'.join(_e(f) for f in c.files)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _reviews(count: int) -> str:
    if count:
        return f"{count} access-review record(s) from the audit log: access-reviews.ndjson."
    return (
        "None: the audit log holds no access-review records for this period. jit does not "
        "record access reviews yet; attach the reviews made outside jit to this pack."
    )
