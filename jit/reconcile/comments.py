"""The PR comments the reconciler posts (besides the delivery itself). Pure; never a secret.

Each comment carries a hidden marker so a repeated run edits its comment instead of adding
another one.
"""

from __future__ import annotations

from collections.abc import Sequence

from jit.durations import format_duration
from jit.reconcile.state import GrantRecord, format_time


def marker(what: str, key: str) -> str:
    return f"<!-- jit:{what}:{key} -->"


def denied(request_id: str, reasons: Sequence[str]) -> str:
    lines = [
        marker("denied", request_id),
        f"### jit: `{request_id}` was not granted",
        "",
        "Re-verification on `main` after the merge found:",
        "",
    ]
    lines += [f"- {reason}" for reason in reasons]
    lines += [
        "",
        "The request was recorded as denied in the audit log and retired from `requests/`. "
        "Open a new pull request to ask again.",
    ]
    return "\n".join(lines) + "\n"


def granted(record: GrantRecord) -> str:
    """For grants with nothing to deliver (a Vault group, a Kubernetes binding)."""
    handle = ", ".join(f"{k} `{v}`" for k, v in sorted((record.handle or {}).items()))
    return (
        f"{marker('grant', record.grant_id)}\n"
        f"### jit: access granted\n\n"
        f"`{record.resource}` ({record.kind}) for @{record.requester} until "
        f"**{format_time(record.expires_at)}**. Grant `{record.grant_id}`: {handle}.\n\n"
        "It ends by itself at that time; delete the request file in a pull request to hand it "
        "back early.\n"
    )


def revoked(record: GrantRecord, reason: str, by: str | None, lag: int) -> str:
    why = {
        "expired": "it expired",
        "withdrawn": f"the request was withdrawn{f' by @{by}' if by else ''}",
        "out-of-band": "it was already gone (revoked outside jit, or ended by Vault's own TTL)",
    }.get(reason, reason)
    late = f" ({format_duration(lag)} after its end)" if lag > 0 else ""
    return (
        f"{marker('revoked', record.grant_id)}\n"
        f"### jit: access revoked\n\n"
        f"Grant `{record.grant_id}` (`{record.resource}` for @{record.requester}) was revoked "
        f"because {why}{late}, and checked gone. The request file was retired from "
        "`requests/`; git history keeps it.\n"
    )


def reminder(record: GrantRecord, minutes_left: int) -> str:
    return (
        f"{marker('reminder', record.grant_id)}\n"
        f"### jit: access ends soon\n\n"
        f"@{record.requester}, `{record.resource}` (grant `{record.grant_id}`) ends at "
        f"**{format_time(record.expires_at)}**, in about {minutes_left} minutes. To keep "
        "working, open a new request.\n"
    )


def closed(record: GrantRecord, reason: str) -> str:
    return (
        f"{marker('closed', record.grant_id)}\n"
        f"### jit: `{record.request_id}` was not granted\n\n{reason}\n"
    )
