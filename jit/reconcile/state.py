"""Grant records: ``state/grants/<grant-id>.json``, one per grant that may be live.

A record exists from the moment a run commits its ``issuing`` intent until the grant is
closed (revoked and checked gone). It never holds a secret: the handle is an accessor, a lease
id, a group name or a binding name, which name a credential but cannot be used as one.
The file format is plain, sorted JSON so a reader can ``jq`` it at any commit.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast

from jit.errors import JitError
from jit.model import GRANT_KINDS, GrantKind

Status = Literal["issuing", "active", "revoke-pending"]
STATUSES: tuple[Status, ...] = ("issuing", "active", "revoke-pending")
RevokeReason = Literal["expired", "withdrawn"]
RECORD_VERSION = 1
_MAX_ID = 63


def grant_id(request_id: str, added_commit: str) -> str:
    """``<requester>-<name>-<8 hex>``: deterministic, DNS-1123 safe, at most 63 characters.

    The hex is ``sha256("<request id>\\n<commit that added the file>")[:8]``, so a request
    file deleted and added again is a new grant, and a crashed run's objects can be found again.
    """
    digest = hashlib.sha256(f"{request_id}\n{added_commit}".encode()).hexdigest()[:8]
    stem = request_id.removeprefix("requests/")
    stem = re.sub(r"[^a-z0-9-]", "-", stem.lower())
    stem = re.sub(r"-{2,}", "-", stem).strip("-")
    stem = stem[: _MAX_ID - len(digest) - 1].rstrip("-")
    return f"{stem}-{digest}" if stem else f"g-{digest}"


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, to the second: ``2026-11-22T05:21:55Z``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class GrantRecord:
    """One grant, as recorded in the repository."""

    grant_id: str
    request_id: str
    request_path: str
    requester: str
    resource: str
    kind: GrantKind
    approvers: tuple[str, ...]
    pr: int
    merge_commit: str  # the PR's merge commit on main
    added_commit: str  # the commit that added the request file to main (part of the grant id)
    request_blob: str  # git blob sha of the file that was reviewed and merged
    starts_at: datetime
    expires_at: datetime
    status: Status
    run_id: str  # the run that wrote the intent (owns issuing while its lease lasts)
    intent_at: datetime
    granted_at: datetime | None = None
    handle: Mapping[str, str] | None = None
    revoke_reason: RevokeReason | None = None
    withdrawn_by: str | None = None
    withdrawn_commit: str | None = None
    reminded_at: datetime | None = None
    failures: int = 0  # consecutive failed issue or revoke attempts
    pr_url: str = ""
    details: Mapping[str, object] = field(default_factory=dict)  # non-secret facts

    def to_json(self) -> str:
        data: dict[str, object] = {
            "version": RECORD_VERSION,
            "grant_id": self.grant_id,
            "request_id": self.request_id,
            "request_path": self.request_path,
            "requester": self.requester,
            "resource": self.resource,
            "kind": self.kind,
            "approvers": list(self.approvers),
            "pr": self.pr,
            "pr_url": self.pr_url,
            "merge_commit": self.merge_commit,
            "added_commit": self.added_commit,
            "request_blob": self.request_blob,
            "starts_at": format_time(self.starts_at),
            "expires_at": format_time(self.expires_at),
            "granted_at": _opt_time(self.granted_at),
            "status": self.status,
            "handle": dict(self.handle) if self.handle is not None else None,
            "run_id": self.run_id,
            "intent_at": format_time(self.intent_at),
            "revoke_reason": self.revoke_reason,
            "withdrawn_by": self.withdrawn_by,
            "withdrawn_commit": self.withdrawn_commit,
            "reminded_at": _opt_time(self.reminded_at),
            "failures": self.failures,
            "details": dict(self.details),
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> GrantRecord:
        try:
            data = json.loads(text)
            if data.get("version") != RECORD_VERSION:
                raise ValueError(f"version {data.get('version')!r} is not {RECORD_VERSION}")
            if data["kind"] not in GRANT_KINDS or data["status"] not in STATUSES:
                raise ValueError(f"kind {data['kind']!r} or status {data['status']!r} unknown")
            return cls(
                grant_id=str(data["grant_id"]),
                request_id=str(data["request_id"]),
                request_path=str(data["request_path"]),
                requester=str(data["requester"]),
                resource=str(data["resource"]),
                kind=cast(GrantKind, data["kind"]),
                approvers=tuple(str(a) for a in data["approvers"]),
                pr=int(data["pr"]),
                pr_url=str(data.get("pr_url", "")),
                merge_commit=str(data["merge_commit"]),
                added_commit=str(data["added_commit"]),
                request_blob=str(data["request_blob"]),
                starts_at=parse_time(data["starts_at"]),
                expires_at=parse_time(data["expires_at"]),
                granted_at=_parse_opt(data.get("granted_at")),
                status=cast(Status, data["status"]),
                handle=_handle(data.get("handle")),
                run_id=str(data["run_id"]),
                intent_at=parse_time(data["intent_at"]),
                revoke_reason=data.get("revoke_reason"),
                withdrawn_by=data.get("withdrawn_by"),
                withdrawn_commit=data.get("withdrawn_commit"),
                reminded_at=_parse_opt(data.get("reminded_at")),
                failures=int(data.get("failures", 0)),
                details=dict(data.get("details") or {}),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise JitError(
                f"{where}: reading the grant record: {exc}. Restore the file from git history "
                "(git log -p -- state/grants) rather than editing it by hand."
            ) from exc

    def evolve(self, **changes: object) -> GrantRecord:
        return replace(self, **changes)  # type: ignore[arg-type]


def _opt_time(moment: datetime | None) -> str | None:
    return format_time(moment) if moment is not None else None


def _parse_opt(text: object) -> datetime | None:
    return parse_time(str(text)) if text else None


def _handle(value: object) -> Mapping[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("handle must be an object of strings")
    return {str(k): str(v) for k, v in value.items()}


class StateStore:
    """The ``state/grants/`` directory of one checkout."""

    def __init__(self, root: Path, state_dir: str = "state") -> None:
        self.root = root
        self.rel_dir = f"{state_dir.strip('/')}/grants"
        self.dir = root / self.rel_dir

    def rel_path(self, gid: str) -> str:
        return f"{self.rel_dir}/{gid}.json"

    def load(self) -> dict[str, GrantRecord]:
        records, problems = self.load_readable()
        if problems:
            raise JitError(next(iter(problems.values())))
        return records

    def load_readable(self) -> tuple[dict[str, GrantRecord], dict[str, str]]:
        """Every record that reads, and (by grant id, the file's name) why each other one does
        not: one damaged record never keeps the others from being revoked."""
        records: dict[str, GrantRecord] = {}
        problems: dict[str, str] = {}
        for path in sorted(self.dir.glob("*.json")) if self.dir.is_dir() else ():
            where = self.rel_path(path.stem)
            try:
                record = GrantRecord.from_json(path.read_text(encoding="utf-8"), where)
            except JitError as exc:
                problems[path.stem] = str(exc)
                continue
            if record.grant_id != path.stem:
                problems[path.stem] = (
                    f"{where}: the record names grant {record.grant_id!r}, not its file name. "
                    "Restore the file from git history."
                )
                continue
            records[record.grant_id] = record
        return records, problems

    def load_some(self, gids: Iterable[str]) -> dict[str, GrantRecord]:
        """The records of ``gids`` that exist (reads only those files)."""
        records: dict[str, GrantRecord] = {}
        for gid in set(gids):
            path = self.root / self.rel_path(gid)
            if path.is_file():
                record = GrantRecord.from_json(path.read_text(encoding="utf-8"), self.rel_path(gid))
                records[record.grant_id] = record
        return records

    def write(self, records: Iterable[GrantRecord]) -> list[str]:
        written = []
        for record in records:
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.root / self.rel_path(record.grant_id)).write_text(
                record.to_json(), encoding="utf-8"
            )
            written.append(self.rel_path(record.grant_id))
        return written
