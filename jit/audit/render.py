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

FIELDS = (
    "grant_id", "request_id", "requester", "resource", "kind", "granted_at", "expires_at",
    "revoked_at", "revoke_reason", "revoked_by", "revoked_by_role", "lag_seconds", "approvers",
    "auto_approved", "pr", "merge_commit", "handle_type", "status",
)  # fmt: skip
_MD_HEADER = (
    "Grant", "Requester", "Resource", "Kind", "Granted", "Expires", "Revoked", "How",
    "Approved by", "PR", "Merge commit", "Handle", "Status",
)  # fmt: skip

#: How the "How" column names the withdrawer's role ("withdrawn by @dave (revoker)").
_MD_ROLE = {
    "requester": "requester",
    "revoker": "revoker",
    "neither": "neither requester nor revoker",
}


def as_record(row: Row) -> dict[str, object]:
    """One row as plain data (JSON types; times RFC 3339 UTC)."""
    return {
        "grant_id": row.grant_id,
        "request_id": row.request_id,
        "requester": row.requester,
        "resource": row.resource,
        "kind": row.kind,
        "granted_at": format_ts(row.granted_at),
        "expires_at": format_ts(row.expires_at),
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
        lines.append("\n_No grants match these filters._")
    return "\n".join(lines) + "\n"


def _md_cells(row: Row) -> tuple[str, ...]:
    how = row.revoke_reason or ""
    notes = [_MD_ROLE[row.revoked_by_role]] if row.revoked_by and row.revoked_by_role else []
    if row.revoked_by:
        how += f" by @{row.revoked_by}"
    if row.lag_seconds:
        notes.append(f"lag {row.lag_seconds}s")
    if notes:
        how += f" ({', '.join(notes)})"
    approved = ", ".join(f"@{a}" for a in row.approvers) or (
        "auto-approved" if row.auto_approved else "**none recorded**"
    )
    revoked = format_ts(row.revoked_at) if row.revoked_at else ""
    pr = f"#{row.pr}" if row.pr else ""
    return (
        f"`{row.grant_id}`", f"@{row.requester}", row.resource, row.kind,
        format_ts(row.granted_at), format_ts(row.expires_at), revoked, how, approved, pr,
        (row.merge_commit or "")[:12], row.handle_type, row.status,
    )  # fmt: skip


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
