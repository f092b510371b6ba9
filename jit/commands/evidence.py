"""``jit audit evidence --period 2026-Q4 -o DIR``: a folder an auditor can take away.

It holds the period's reports (HTML and CSV), the verification (text and JSON), the audit
events of the period, the policies as they stood at its start and end and every commit that
changed them in between (from git history), any access-review records, a SHA256SUMS
manifest and ``index.html`` linking them. It needs a full clone: policy history comes from
git. The folder must be new or empty, so nothing of an older pack is mixed in.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TextIO

from jit.audit.canon import format_ts
from jit.audit.evidence import Link, Pack, PolicyChange, index_html, policy_change
from jit.audit.export import events
from jit.audit.render import render
from jit.audit.report import TYPES, Filters, build_rows, parse_period, select
from jit.commands.audit import DEFAULT_GRACE, check_log, html_report
from jit.errors import EXIT_FINDINGS, EXIT_OK, JitError, UsageError
from jit.parse.repository import POLICIES


def run_evidence(
    repo: Path, period: str, target: Path, *, out: TextIO, now: datetime | None = None
) -> int:
    """Write the pack; exit 0, or 1 when the log does not verify (the pack is still
    written, and says so on its first page)."""
    from jit.adapters import git_history

    bounds = parse_period(period)
    if bounds is None:
        raise UsageError(f"--period {period!r} is not a quarter (2026-Q4), month (2026-11), "
                        "day (2026-11-03) or year (2026)")  # fmt: skip
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise JitError(f"-o {target}: exists and is not an empty folder; choose a new one, so "
                       "that nothing from another pack is mixed in")  # fmt: skip
    if not git_history.in_work_tree(repo):
        raise JitError(f"{repo} is not a git work tree: the pack needs the policies' history. "
                       "Run it in a full clone (git clone, not --depth)")  # fmt: skip
    moment = now or _now()
    start, end = bounds
    checked = check_log(repo, git=True, grace=DEFAULT_GRACE, now=moment)
    filters = Filters(since=start, until=end)
    rows = select(build_rows(checked.log.entries(TYPES), moment, filters.wanted), filters, moment)
    files: dict[str, bytes] = {
        "report.html": html_report(repo, filters, moment, git=True).encode(),
        "report.csv": render(rows, "csv").encode(),
        "verification.txt": checked.as_text().encode(),
        "verification.json": checked.as_json().encode(),
    }
    period_events = [line for _, line in events(checked.log.lines())
                     if _in(line, start, end)]  # fmt: skip
    files["audit-events.ndjson"] = "".join(period_events).encode()
    reviews = [line for line in period_events if '"type":"access-review' in line]
    if reviews:
        files["access-reviews.ndjson"] = "".join(reviews).encode()
    first = git_history.commit_at(repo, start)
    last = git_history.commit_at(repo, end)
    for folder, commit in (("policies-start", first), ("policies-end", last)):
        if commit is not None:
            for path, content in git_history.files_at(repo, commit, POLICIES).items():
                files[f"{folder}/{_inside(path)}"] = content
    changes = []
    for number, info in enumerate(git_history.changes(repo, POLICIES, start, end), start=1):
        name = f"policy-changes/{number:03d}-{info.sha[:12]}.diff"
        files[name] = git_history.diff(repo, info.sha, POLICIES)
        changes.append(policy_change(info.sha, info.committed_at, info.author, info.message,
                                     info.files, name))  # fmt: skip
    files["policy-changes.csv"] = _changes_csv(changes).encode()
    head = git_history.commit_at(repo, moment) or "no commit"
    pack = Pack(
        period=period, start=start, end=end, generated=moment,
        repository=f"{repo.resolve().name} at {head[:12]}", verified=checked.result.ok,
        verification=checked.as_text(), links=_links(files, bool(reviews)),
        start_commit=first, end_commit=last, changes=changes, reviews=len(reviews),
        grants=sum(r.event == "grant" for r in rows), denials=sum(r.event == "denial" for r in rows),
        policy_files=sorted(n for n in files if n.startswith(("policies-start/", "policies-end/"))),
    )  # fmt: skip
    files["index.html"] = index_html(pack).encode()
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                                  for name, data in sorted(files.items())).encode()  # fmt: skip
    for name, data in files.items():
        written = target / name
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_bytes(data)
    out.write(f"wrote {len(files)} files to {target}/ for {period} ({format_ts(start)} to "
              f"{format_ts(end)}); open {target}/index.html\n")  # fmt: skip
    if not checked.result.ok:
        out.write("the audit log does NOT verify: see verification.txt in the pack\n")
        return EXIT_FINDINGS
    return EXIT_OK


def _in(line: str, start: datetime, end: datetime) -> bool:
    stamp = line[line.rindex('"ts":"') + 6 :][:20]
    return format_ts(start) <= stamp <= format_ts(end)


def _inside(path: str) -> str:
    """``policies/x.yaml`` -> ``x.yaml``; git never stores ``..``, but a pack must not escape."""
    parts = PurePosixPath(path).parts[1:]
    if not parts or any(p in ("", ".", "..") for p in parts):
        raise JitError(f"git history names a policy file {path!r} jit cannot copy safely")
    return "/".join(parts)


def _changes_csv(changes: list[PolicyChange]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["committed_at", "commit", "pr", "author", "subject", "approvers", "files",
                     "diff"])  # fmt: skip
    for c in changes:
        cells = [c.committed_at, c.commit, c.pr or "", c.author, c.subject, ";".join(c.approvers),
                 ";".join(c.files), c.diff_file]  # fmt: skip
        writer.writerow([_cell(str(v)) for v in cells])
    return buffer.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _links(files: dict[str, bytes], reviews: bool) -> list[Link]:
    links = [
        Link("report.html", "Access timeline: who had access to what, approved by whom; "
             "filters; the verification", "Opens offline in any browser."),
        Link("report.csv", "The same rows for a spreadsheet (one per grant or denial)"),
        Link("verification.txt", "jit audit verify: the hash chain, git checkpoints, grants"),
        Link("verification.json", "The same, as JSON"),
        Link("audit-events.ndjson", "Every audit log entry of the period, one JSON object per "
             "line (schema: audit-event.schema.json in jit's repository)"),
        Link("policy-changes.csv", "Every commit that changed policies/ in the period"),
    ]  # fmt: skip
    if reviews:
        links.append(Link("access-reviews.ndjson", "Access-review records from the audit log"))
    for folder, when in (("policies-start/", "start"), ("policies-end/", "end")):
        if any(name.startswith(folder) for name in files):
            links.append(Link(folder, f"The policies as they stood at the {when} of the period"))
    links.append(Link("SHA256SUMS", "SHA-256 of every file here (sha256sum -c SHA256SUMS)"))
    return links


def _now() -> datetime:
    from jit.adapters.clock import now

    return now()
