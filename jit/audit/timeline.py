"""``jit audit report --format html``: one self-contained page an auditor can open. Pure.

No network and nothing to install: the style sheet and the small filter script are inline and
admitted by hash in a strict Content-Security-Policy (``timeline_assets``); bars are SVG
geometry, not style attributes. Every text from the log (a requester's reason, a denial
reason quoting a request) is escaped. Without script the page shows everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from jit.audit.canon import format_ts
from jit.audit.report import STATUSES, Filters, Row
from jit.audit.timeline_assets import CSP, SCRIPT, STYLE

_TICKS = 6  # the axis has this many equal segments (the style sheet's grid matches)
_WIDTH = 1000  # SVG user units across the period


@dataclass(frozen=True)
class Page:
    rows: Sequence[Row]
    filters: Filters
    now: datetime
    verified: bool
    verification: str  # what `jit audit verify` prints
    title: str = "Access report"


def render_html(page: Page) -> str:
    start, end = _period(page)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_e(page.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(page.title)}</h1>",
        f'<p class="meta">{_e(_scope(page, start, end))}</p>',
        _verdict(page),
        _cards(page.rows, page.now),
        _filter_form(page.rows),
        "<h2>Timeline</h2>",
        _legend(),
        *(_resource(name, rows, start, end, page.now) for name, rows in _by_resource(page.rows)),
        "<h2>Grants and denials</h2>",
        _table(page.rows),
        "<h2>Approvers</h2>",
        _approvers(page.rows),
        f"<script>{SCRIPT}</script></body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _period(page: Page) -> tuple[datetime, datetime]:
    rows = page.rows
    start = page.filters.since or min((r.at for r in rows), default=page.now)
    end = page.filters.until or max((r.window_end(page.now) for r in rows), default=page.now)
    return start, max(end, start + timedelta(hours=1))


def _scope(page: Page, start: datetime, end: datetime) -> str:
    f = page.filters
    chosen = [f"{name} {value}" for name, value in (
        ("resource", f.resource), ("requester", f.user), ("approver", f.approver),
        ("kind", f.kind), ("status", f.status)) if value]  # fmt: skip
    scope = f"From {format_ts(start)} to {format_ts(end)}"
    scope += f"; only {', '.join(chosen)}" if chosen else ""
    return f"{scope}. Generated {format_ts(page.now)} by jit from the audit log."


def _verdict(page: Page) -> str:
    head = (
        "Verified: the audit log is intact and every check holds"
        if page.verified
        else ("NOT verified: the audit log has problems; see below before relying on this report")
    )
    css = "verdict" if page.verified else "verdict fail"
    return (f'<section class="{css}" id="verification"><strong>{_e(head)}</strong>'
            f"<pre>{_e(page.verification.rstrip())}</pre></section>")  # fmt: skip


def _cards(rows: Sequence[Row], now: datetime) -> str:
    grants = [r for r in rows if r.event == "grant"]
    lags = [r.lag_seconds for r in grants if r.lag_seconds is not None]
    counts = [
        ("grants", len(grants)),
        ("people", len({r.requester for r in grants})),
        ("denials", sum(r.event == "denial" for r in rows)),
        ("active now", sum(r.status == "active" for r in rows)),
        ("overdue", sum(r.status == "overdue" for r in rows)),
        ("worst revocation lag", f"{max(lags)}s" if lags else "n/a"),
    ]
    items = "".join(f"<li><b>{_e(v)}</b>{_e(k)}</li>" for k, v in counts)
    return f'<ul class="cards">{items}</ul>'


def _filter_form(rows: Sequence[Row]) -> str:
    statuses = "".join(f'<option value="{s}">{s}</option>' for s in STATUSES)
    resources = "".join(
        f'<option value="{_e(r)}">{_e(r)}</option>' for r in sorted({r.resource for r in rows})
    )
    return (
        '<form id="filters" class="filters" hidden>'
        '<label>Search (person, grant, approver, reason)<input id="f-text" type="search"></label>'
        f'<label>Status<select id="f-status"><option value="">all</option>{statuses}</select>'
        "</label><label>Resource"
        f'<select id="f-resource"><option value="">all</option>{resources}</select></label>'
        '<output id="f-count"></output></form>'
    )


def _legend() -> str:
    items = "".join(f'<span><i class="{s}"></i>{s}</span>' for s in STATUSES)
    return f'<p class="legend">{items}<span>bars run from grant to revocation</span></p>'


def _by_resource(rows: Iterable[Row]) -> list[tuple[str, list[Row]]]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.resource, []).append(row)
    return sorted(groups.items())


def _resource(name: str, rows: list[Row], start: datetime, end: datetime, now: datetime) -> str:
    people: dict[str, list[Row]] = {}
    for row in rows:
        people.setdefault(row.requester, []).append(row)
    axis = "".join(f"<span>{_e(_tick(start, end, i))}</span>" for i in range(_TICKS))
    lines = [
        f'<section class="resource"><h3>{_e(name)}</h3>',
        f'<table class="timeline"><tr><th>Person</th><th><div class="axis">{axis}</div></th></tr>',
    ]
    for who, theirs in sorted(people.items()):
        bars = "".join(_bar(r, start, end, now) for r in theirs)
        grid = "".join(
            f'<line class="grid" x1="{x}" x2="{x}" y1="0" y2="22" '
            'vector-effect="non-scaling-stroke"/>'
            for x in range(0, _WIDTH, _WIDTH // _TICKS)
        )
        lines.append(
            f'<tr{_data(theirs)}><td class="who">@{_e(who)}</td><td class="bars">'
            f'<svg viewBox="0 0 {_WIDTH} 22" preserveAspectRatio="none" role="img" '
            f'aria-label="access of {_e(who)} to {_e(name)}">{grid}{bars}</svg></td></tr>'
        )
    lines.append("</table></section>")
    return "\n".join(lines)


def _tick(start: datetime, end: datetime, i: int) -> str:
    moment = start + (end - start) * i / _TICKS + timedelta(seconds=30)  # to the nearest minute
    return moment.strftime("%Y-%m-%d" if end - start >= timedelta(days=6) else "%m-%d %H:%M")


def _bar(row: Row, start: datetime, end: datetime, now: datetime) -> str:
    span = (end - start).total_seconds()
    left = max(0.0, (row.at - start).total_seconds() / span * _WIDTH)
    right = min(float(_WIDTH), (row.window_end(now) - start).total_seconds() / span * _WIDTH)
    width = max(right - left, 4.0)
    left = min(left, _WIDTH - width)
    return (
        f'<rect class="bar {row.status}" x="{left:.1f}" y="4" width="{width:.1f}" height="14">'
        f"<title>{_e(_summary(row))}</title></rect>"
    )


def _summary(row: Row) -> str:
    if row.event == "denial":
        return (f"{row.request_id}: denied {format_ts(row.at)} (PR #{row.pr}): "
                + " ".join(row.denial_reasons))  # fmt: skip
    until = row.revoked_at or row.expires_at
    text = f"{row.grant_id}: {format_ts(row.at)} to {format_ts(until) if until else '?'}"
    text += f" ({row.status}); approved by {_approvers_text(row)}"
    return text + (f"; reason: {row.reason}" if row.reason else "")


def _approvers_text(row: Row) -> str:
    if row.approvers:
        return ", ".join(f"@{a}" for a in row.approvers)
    if row.auto_approved:
        return "auto-approved"
    return "" if row.event == "denial" else "none recorded"


def _data(rows: Sequence[Row]) -> str:
    """The attributes the filter script reads: statuses, resource, and searchable text."""
    words = {w for r in rows for w in (r.requester, r.grant_id, r.request_id, r.resource,
             r.reason or "", r.ticket or "", *r.approvers, *r.denial_reasons) if w}  # fmt: skip
    statuses = " ".join(sorted({r.status for r in rows}))
    return (f' data-status="{statuses}" data-resource="{_e(rows[0].resource)}" '
            f'data-filter="{_e(" ".join(sorted(words)).lower())}"')  # fmt: skip


def _table(rows: Sequence[Row]) -> str:
    head = ("Status", "Grant or request", "Requester", "Resource", "Kind", "Granted/denied",
            "Expires", "Revoked", "How", "Lag", "Approved by", "PR", "Reason", "Ticket")  # fmt: skip
    lines = ['<div class="scroll"><table id="rows"><thead><tr>' + "".join(f"<th>{h}</th>" for h in head)
             + "</tr></thead><tbody>"]  # fmt: skip
    for row in rows:
        lines.append(f"<tr{_data([row])}>" + "".join(_cells(row)) + "</tr>")
    if not rows:
        lines.append(f'<tr><td colspan="{len(head)}">Nothing matches these filters.</td></tr>')
    lines.append("</tbody></table></div>")
    return "\n".join(lines)


def _cells(row: Row) -> list[str]:
    how = " ".join(row.denial_reasons) if row.event == "denial" else _how(row)
    approved = _approvers_text(row)
    return [
        f'<td class="status {row.status}">{row.status}</td>',
        f"<td><code>{_e(row.grant_id or row.request_id)}</code></td>",
        f"<td>@{_e(row.requester)}</td>", f"<td>{_e(row.resource)}</td>",
        f"<td>{_e(row.kind)}</td>", f'<td class="t">{ts(row.at)}</td>',
        f'<td class="t">{ts(row.expires_at)}</td>', f'<td class="t">{ts(row.revoked_at)}</td>', f'<td class="long">{_e(how)}</td>',
        f'<td class="num">{"" if row.lag_seconds is None else f"{row.lag_seconds}s"}</td>',
        f'<td{" class=warn" if approved == "none recorded" else ""}>{_e(approved)}</td>',
        f"<td>{f'#{row.pr}' if row.pr else ''}</td>",
        f'<td class="long">{_e(row.reason or "")}</td>', f"<td>{_e(row.ticket or '')}</td>",
    ]  # fmt: skip


def ts(moment: datetime | None) -> str:
    return format_ts(moment) if moment else ""


def _how(row: Row) -> str:
    how = row.revoke_reason or ""
    if row.revoked_by:
        how += f" by @{row.revoked_by}"
        if row.revoked_by_role:
            how += f" ({row.revoked_by_role})"
    return how


def _approvers(rows: Sequence[Row]) -> str:
    approved: dict[str, list[Row]] = {}
    for row in rows:
        for name in row.approvers or (("(auto-approved)",) if row.auto_approved else ()):
            approved.setdefault(name, []).append(row)
    lines = ['<table id="approvers"><thead><tr><th>Approver</th><th>Grants approved</th>'
             "<th>Requesters</th><th>Resources</th><th>Grants</th></tr></thead><tbody>"]  # fmt: skip
    for name, theirs in sorted(approved.items()):
        lines.append(
            f"<tr><td>{_e(name if name.startswith('(') else '@' + name)}</td>"
            f'<td class="num">{len(theirs)}</td>'
            f"<td>{_e(', '.join(sorted({'@' + r.requester for r in theirs})))}</td>"
            f"<td>{_e(', '.join(sorted({r.resource for r in theirs})))}</td>"
            f"<td>{' '.join(f'<code>{_e(r.grant_id)}</code>' for r in theirs)}</td></tr>"
        )
    if not approved:
        lines.append('<tr><td colspan="5">No approvals in these rows.</td></tr>')
    lines.append("</tbody></table>")
    return "\n".join(lines)
