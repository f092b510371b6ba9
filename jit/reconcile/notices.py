"""The PR comments the reconciler posts (besides the delivery itself). Pure; never a secret.

Each comment carries a hidden marker so a repeated run edits its comment instead of adding
another one. Values that came from a PR (paths, logins, finding messages quoting them) go
through ``jit.markdown`` so they render as plain text: no HTML, links or @-mentions.
"""

from __future__ import annotations

from collections.abc import Sequence

from jit.durations import format_duration
from jit.markdown import code, esc, when
from jit.reconcile.state import GrantRecord


def marker(what: str, key: str) -> str:
    return f"<!-- jit:{what}:{key.replace('--', '-')} -->"


def denied(request_id: str, reasons: Sequence[str]) -> str:
    lines = [
        marker("denied", request_id),
        f"### jit: {code(request_id)} was not granted",
        "",
        "Re-verification on `main` after the merge found:",
        "",
    ]
    lines += [f"- {esc(reason)}" for reason in reasons]
    lines += [
        "",
        "The request was recorded as denied in the audit log and retired from `requests/`. "
        "Open a new pull request to ask again.",
    ]
    return "\n".join(lines) + "\n"


def granted(record: GrantRecord) -> str:
    """For grants with nothing to deliver (a Vault group, a Kubernetes binding)."""
    handle = ", ".join(f"{k} {code(v)}" for k, v in sorted((record.handle or {}).items()))
    return (
        f"{marker('grant', record.grant_id)}\n"
        f"### jit: access granted\n\n"
        f"{code(record.resource)} ({record.kind}) for {_mention(record.requester)} until "
        f"**{when(record.expires_at)}**. Grant {code(record.grant_id)}: {handle}.\n\n"
        "It ends by itself at that time; delete the request file in a pull request to hand it "
        "back early.\n"
    )


def revoked(
    record: GrantRecord, reason: str, by: str | None, lag: int, role: str | None = None
) -> str:
    """``role``: whether ``by`` was the ``requester``, a ``revoker`` or ``neither`` (None: unknown)."""
    withdrawer = f" by {esc(by)}{_ROLES.get(role or '', '')}" if by else ""
    why = {
        "expired": "it expired",
        "withdrawn": f"the request was withdrawn{withdrawer}",
        "out-of-band": "it was already gone (removed outside jit)",
    }.get(reason, esc(reason))
    late = f" ({format_duration(lag)} after its end)" if lag > 0 else ""
    warning = (
        "\n**Neither you nor a revoker withdrew this request.** jit revokes every withdrawal "
        "that reaches `main`, because ending access is always safe, but this one was merged "
        "past the validator, which allows only the requester or a revoker to delete a request. "
        "Ask the repository's admins who merged it, and open a new request if you still need "
        "access.\n"
        if reason == "withdrawn" and by and role == "neither"
        else ""
    )
    return (
        f"{marker('revoked', record.grant_id)}\n"
        f"### jit: access revoked\n\n"
        f"Grant {code(record.grant_id)} ({code(record.resource)} for {esc(record.requester)}) "
        f"was revoked because {why}{late}, and checked gone. The request file was retired "
        f"from `requests/`; git history keeps it.\n{warning}"
    )


_ROLES = {
    "requester": " (the requester)",
    "revoker": " (a revoker of this resource)",
    "neither": ", who is neither the requester nor a revoker of this resource",
}


def reminder(record: GrantRecord, minutes_left: int) -> str:
    return (
        f"{marker('reminder', record.grant_id)}\n"
        f"### jit: access ends soon\n\n"
        f"{_mention(record.requester)}, {code(record.resource)} (grant {code(record.grant_id)}) "
        f"ends at **{when(record.expires_at)}**, in about {minutes_left} minutes. To keep "
        "working, open a new request.\n"
    )


def closed(record: GrantRecord, reason: str) -> str:
    return (
        f"{marker('closed', record.grant_id)}\n"
        f"### jit: {code(record.request_id)} was not granted\n\n{esc(reason)}\n"
    )


def _mention(login: str) -> str:
    """``@login`` for a plain GitHub login (it notifies them); anything else escaped."""
    plain = login.replace("-", "").isalnum() and len(login) <= 39
    return f"@{login}" if plain else esc(login, 60)
