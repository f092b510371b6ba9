"""Builders for audit tests: chains in memory, and whole grant lifecycles on disk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jit.audit import entries as E
from jit.audit.canon import GENESIS, Head, line_hash, seal
from jit.audit.store import AuditLog

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
COMMIT = "3f2a9c1d" * 5


def chain(payloads: Sequence[dict[str, object]], ts: str = "2026-11-03T09:00:00Z") -> list[bytes]:
    """Seal ``payloads`` into a chain of lines (without newlines), all at ``ts``."""
    lines, prev = [], GENESIS
    for seq, payload in enumerate(payloads):
        _, line = seal(payload, seq=seq, ts=ts, prev=prev)
        lines.append(line)
        prev = line_hash(line)
    return lines


def head_of(lines: Sequence[bytes]) -> Head:
    return Head(len(lines) - 1, line_hash(lines[-1]))


def drift(n: int) -> list[dict[str, object]]:
    return [E.drift(what=f"event {i}") for i in range(n)]


def granted(
    grant_id: str,
    *,
    requester: str = "alice",
    resource: str = "prod-db-readonly",
    at: datetime = T0,
    hours: int = 2,
    approvers: Sequence[str] = ("carol",),
    auto: bool = False,
    pr: int = 42,
    handle: dict[str, str] | None = None,
    reason: str | None = "Investigate INC-4711",
    ticket: str | None = None,
    not_before: datetime | None = None,
) -> dict[str, object]:
    name = grant_id.rsplit("-", 1)[0]
    return E.granted(
        grant_id=grant_id,
        request_id=f"requests/{requester}/{name}",
        requester=requester,
        resource=resource,
        kind="vault-credentials",
        pr=pr,
        merge_commit=COMMIT,
        approvers=approvers,
        auto_approved=auto,
        granted_at=at,
        expires_at=at + timedelta(hours=hours),
        handle=handle or {"lease_id": f"database/creds/ro/{grant_id}"},
        reason=reason,
        ticket=ticket,
        not_before=not_before,
    )


def lifecycle(
    log: AuditLog,
    grant_id: str,
    *,
    at: datetime = T0,
    hours: int = 2,
    revoke: str | None = "expired",
    by: str | None = None,
    by_role: E.ByRole | None = None,
    **grant: object,
) -> None:
    """requested, issuing, granted, delivery at ``at``; revoked (if ``revoke``) at expiry
    (withdrawn: after an hour) plus a 3-minute lag."""
    requester = str(grant.get("requester", "alice"))
    resource = str(grant.get("resource", "prod-db-readonly"))
    request_id = f"requests/{requester}/{grant_id.rsplit('-', 1)[0]}"
    log.append(
        [
            E.requested(
                request_id=request_id,
                requester=requester,
                resource=resource,
                pr=int(grant.get("pr", 42)),  # type: ignore[call-overload]
                merge_commit=COMMIT,
            ),
            E.issuing(grant_id=grant_id, request_id=request_id, kind="vault-credentials"),
        ],
        at,
    )
    log.append(
        [
            granted(grant_id, at=at, hours=hours, **grant),  # type: ignore[arg-type]
            E.delivery(grant_id=grant_id, method="age-ssh", recipients_fingerprints=["SHA256:x"]),
        ],
        at,
    )
    if revoke is not None:
        end = at + (timedelta(hours=1) if revoke == "withdrawn" else timedelta(hours=hours))
        when = end + timedelta(minutes=3)
        log.append(
            [
                E.revoked(
                    grant_id=grant_id,
                    reason=revoke,  # type: ignore[arg-type]
                    revoked_at=when,
                    lag_seconds=180,
                    by=by,
                    by_role=by_role,
                )
            ],
            when,
        )


def lines_of(root: Path, rel: str) -> list[bytes]:
    return (root / rel).read_bytes().splitlines()


def write_lines(root: Path, rel: str, lines: Sequence[bytes]) -> None:
    (root / rel).write_bytes(b"".join(line + b"\n" for line in lines))
