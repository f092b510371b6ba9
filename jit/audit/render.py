"""Report rows as a Markdown table, CSV or JSON. Pure; the command prints the result.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR) are prefixed with ``'``, as OWASP advises: auditors open these files in Excel.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from jit.audit.canon import format_ts
from jit.audit.report import Row
from jit.markdown import esc

#: The CSV and JSON columns. New ones are added at the end, so older consumers keep working.
FIELDS = (
    "grant_id", "request_id", "requester", "resource", "kind", "granted_at", "expires_at",
    "revoked_at", "revoke_reason", "revoked_by", "revoked_by_role", "lag_seconds", "approvers",
    "auto_approved", "pr", "merge_commit", "handle_type", "status",
    "event", "at", "reason", "ticket", "not_before", "denial_reasons",
)  # fmt: skip
_MD_HEADER = (
    "Grant", "Requester", "Resource", "Kind", "Granted/denied", "Expires", "Revoked", "How",
    "Lag", "Approved by", "PR", "Merge commit", "Handle", "Status", "Reason", "Ticket",
)  # fmt: skip

#: How the "How" column names the withdrawer's role ("withdrawn by @dave (revoker)").
_MD_ROLE = {
    "requester": "requester",
    "revoker": "revoker",
    "neither": "neither requester nor revoker",
}


def as_record(row: Row) -> dict[str, object]:
    """One row as plain data (JSON types; times RFC 3339 UTC)."""
    grant = row.event == "grant"
    return {
        "grant_id": row.grant_id or None,
        "request_id": row.request_id,
        "requester": row.requester,
        "resource": row.resource,
        "kind": row.kind or None,
        "granted_at": format_ts(row.at) if grant else None,
        "expires_at": None if row.expires_at is None else format_ts(row.expires_at),
        "revoked_at": None if row.revoked_at is None else format_ts(row.revoked_at),
        "revoke_reason": row.revoke_reason,
        "revoked_by": row.revoked_by,
        "revoked_by_role": row.revoked_by_role,
        "lag_seconds": row.lag_seconds,
        "approvers": list(row.approvers),
        "auto_approved": row.auto_approved,
        "pr": row.pr,
        "merge_commit": row.merge_commit,
        "handle_type": row.handle_type,
        "status": row.status,
        "event": row.event,
        "at": format_ts(row.at),
        "reason": row.reason,
        "ticket": row.ticket,
        "not_before": None if row.not_before is None else format_ts(row.not_before),
        "denial_reasons": list(row.denial_reasons),
    }


def render(rows: Sequence[Row], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([as_record(r) for r in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(rows)
    if fmt == "md":
        return _markdown(rows)
    raise ValueError(f"unknown report format {fmt!r}; use md, csv or json")


def _csv(rows: Sequence[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in rows:
        record = as_record(row)
        record["approvers"] = ";".join(row.approvers)
        record["denial_reasons"] = " / ".join(row.denial_reasons)
        writer.writerow([_cell(record[name]) for name in FIELDS])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _markdown(rows: Sequence[Row]) -> str:
    lines = [_md_row(_MD_HEADER), "|" + "---|" * len(_MD_HEADER)]
    lines.extend(_md_row(_md_cells(row)) for row in rows)
    if not rows:
        lines.append("\n_Nothing matches these filters._")
    return "\n".join(lines) + "\n"


def _md_cells(row: Row) -> tuple[str, ...]:
    """Each cell as Markdown. Text a requester wrote (reason, ticket) and denial reasons
    (which quote it) are escaped as plain text; the rest is jit's own or schema-checked."""
    revoked = format_ts(row.revoked_at) if row.revoked_at else ""
    expires = format_ts(row.expires_at) if row.expires_at else ""
    lag = "" if row.lag_seconds is None else f"{row.lag_seconds}s"
    pr = f"#{row.pr}" if row.pr else ""
    name = f"`{row.grant_id}`" if row.grant_id else row.request_id
    return (
        _plain(name), _plain(f"@{row.requester}"), _plain(row.resource), _plain(row.kind),
        format_ts(row.at), expires, revoked, _how(row), lag, _plain(_approved(row)), pr,
        (row.merge_commit or "")[:12], _plain(row.handle_type), row.status,
        esc(row.reason or "", 300), esc(row.ticket or "", 100),
    )  # fmt: skip


def _how(row: Row) -> str:
    """How a grant ended (``withdrawn by @dave (revoker)``), or why a request was denied."""
    if row.event == "denial":
        return esc(" ".join(row.denial_reasons), 600)
    how = row.revoke_reason or ""
    if row.revoked_by:
        how += f" by @{row.revoked_by}"
        if row.revoked_by_role:
            how += f" ({_MD_ROLE[row.revoked_by_role]})"
    return _plain(how)


def _approved(row: Row) -> str:
    if row.approvers:
        return ", ".join(f"@{a}" for a in row.approvers)
    if row.auto_approved:
        return "auto-approved"
    return "" if row.event == "denial" else "**none recorded**"


def _plain(cell: str) -> str:
    """A cell of jit's own text: only a pipe or a line break could break the table."""
    return cell.replace("|", "\\|").replace("\n", " ")


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
