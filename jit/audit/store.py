"""The audit log on disk: ``<audit_dir>/YYYY/MM.jsonl`` (one file per month) and
``<audit_dir>/HEAD``, the checkpoint ``{"hash": ..., "seq": ...}`` of the chain's end.

Appending reads only the last line of the last month file and ``HEAD``, so it costs the same
after ten years as on day one. Every append rewrites ``HEAD``; both go into the same commit.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jit.audit.canon import GENESIS, Head, canonical, format_ts, line_hash, seal
from jit.audit.entries import check_payload
from jit.errors import JitError

_MONTH_FILE = re.compile(r"(\d{4})/(0[1-9]|1[0-2])\.jsonl")
_RESTORE = "restore it from git (git checkout -- {dir}) and run `jit audit verify`"


class AuditLogError(JitError):
    """The log on disk is not in a state jit can append to or read."""


@dataclass(frozen=True)
class MonthFile:
    path: Path
    rel: str  # relative to the repository root, e.g. "audit/2026/11.jsonl"
    month: str  # "2026-11"


class AuditLog:
    """Append-only, hash-chained JSON Lines under ``root / audit_dir``."""

    def __init__(self, root: Path, audit_dir: str = "audit") -> None:
        self.root = root
        self.audit_dir = audit_dir.strip("/")
        self.dir = root / self.audit_dir
        self.head_path = self.dir / "HEAD"
        self._touched: set[str] = set()

    @property
    def paths_touched(self) -> list[str]:
        """Paths (relative to ``root``, POSIX) that ``append`` wrote since this object was made:
        what to ``git add``."""
        return sorted(self._touched)

    def month_files(self) -> list[MonthFile]:
        """The month files, oldest first."""
        found = []
        for path in self.dir.glob("*/*.jsonl"):
            match = _MONTH_FILE.fullmatch(path.relative_to(self.dir).as_posix())
            if match and path.is_file():
                month = f"{match[1]}-{match[2]}"
                found.append(MonthFile(path, f"{self.audit_dir}/{match[0]}", month))
        return sorted(found, key=lambda f: f.month)

    def stray_files(self) -> list[str]:
        """``*.jsonl`` files under the audit directory that are not ``YYYY/MM.jsonl``."""
        known = {f.path for f in self.month_files()}
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.dir.rglob("*.jsonl") if p not in known
        )

    def recorded_head(self) -> Head | None:
        """What ``HEAD`` says, or None when there is no ``HEAD`` file."""
        try:
            raw = self.head_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
            seq, digest = data["seq"], data["hash"]
            if type(seq) is not int or not isinstance(digest, str) or len(digest) != 64:
                raise ValueError("wrong types")
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditLogError(
                f"{self._rel(self.head_path)}:1: is not a checkpoint like "
                f'{{"hash":"<64 hex>","seq":<n>}} ({exc}); {self._restore()}'
            ) from None
        return Head(seq, digest)

    def head(self) -> Head | None:
        """``(last seq, sha256 of the last line)``, reading only the end of the last file."""
        last = self._last_entry()
        return None if last is None else Head(last[1], line_hash(last[0]))

    def append(
        self, payloads: Sequence[Mapping[str, object]], now: datetime
    ) -> list[dict[str, object]]:
        """Seal and write ``payloads`` (each with a ``type``; see ``jit.audit.entries``) at time
        ``now`` (never before the last entry), then move ``HEAD``. Returns the entries."""
        for payload in payloads:
            check_payload(payload)
        if not payloads:
            return []
        seq, prev, ts = 0, GENESIS, format_ts(now)
        last = self._last_entry()
        recorded = self.recorded_head()
        if last is not None:
            line, last_seq, last_ts = last
            seq, prev, ts = last_seq + 1, line_hash(line), max(ts, last_ts)
        if recorded != (None if last is None else Head(seq - 1, prev)):
            ends = "nothing" if last is None else _show(Head(seq - 1, prev))
            raise AuditLogError(
                f"{self._rel(self.head_path)} records {_show(recorded)} but the log ends at "
                f"{ends}: a run died before committing, or the log was edited; {self._restore()}"
            )
        entries, lines = [], []
        for payload in payloads:
            entry, line = seal(payload, seq=seq, ts=ts, prev=prev)
            entries.append(entry)
            lines.append(line + b"\n")
            seq, prev = seq + 1, line_hash(line)
        target = self.dir / ts[:4] / f"{ts[5:7]}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("ab") as out:
            out.write(b"".join(lines))
            out.flush()
            os.fsync(out.fileno())
        self._write_head(Head(seq - 1, prev))
        self._touched.update({self._rel(target), self._rel(self.head_path)})
        return entries

    def lines(self) -> Iterator[tuple[str, bytes]]:
        """``("file:line", raw line without its newline)`` for every line, in chain order."""
        for month_file in self.month_files():
            with month_file.path.open("rb") as lines:
                for line_no, line in enumerate(lines, start=1):
                    yield f"{month_file.rel}:{line_no}", line.rstrip(b"\r\n")

    def entries(self, types: Collection[str] | None = None) -> Iterator[dict[str, object]]:
        """Every entry (or those of ``types``), parsed, in chain order. Does not verify."""
        wanted = None if types is None else [b'"type":"%s"' % t.encode() for t in types]
        for month_file in self.month_files():
            with month_file.path.open("rb") as lines:
                for line_no, line in enumerate(lines, start=1):
                    if wanted is None or any(map(line.__contains__, wanted)):
                        yield _parse(line, f"{month_file.rel}:{line_no}")

    def _last_entry(self) -> tuple[bytes, int, str] | None:
        for month_file in reversed(self.month_files()):
            raw = _read_last_line(month_file.path)
            if raw is None:
                continue
            where = f"{month_file.rel}: the last line"
            if not raw.endswith(b"\n"):
                raise AuditLogError(f"{where} is cut short (no newline); {self._restore()}")
            line = raw.rstrip(b"\r\n")
            entry = _parse(line, where)
            seq, ts = entry.get("seq"), entry.get("ts")
            if type(seq) is not int or not isinstance(ts, str):
                raise AuditLogError(f"{where} has no seq or ts; {self._restore()}")
            return line, seq, ts
        return None

    def _write_head(self, head: Head) -> None:
        tmp = self.head_path.with_name("HEAD.tmp")
        tmp.write_bytes(canonical(head._asdict()) + b"\n")
        tmp.replace(self.head_path)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _restore(self) -> str:
        return _RESTORE.format(dir=self.audit_dir)


def _show(head: Head | None) -> str:
    return "nothing" if head is None else f"seq {head.seq} ({head.hash[:12]}...)"


def _parse(line: bytes, where: str) -> dict[str, object]:
    try:
        entry = json.loads(line)
    except ValueError as exc:
        raise AuditLogError(
            f"{where}: is not JSON ({exc.args[0]}); run `jit audit verify`"
        ) from None
    if not isinstance(entry, dict):
        raise AuditLogError(f"{where}: is not a JSON object; run `jit audit verify`")
    return entry


def _read_last_line(path: Path, block: int = 4096) -> bytes | None:
    """The file's last line, with its newline if it has one; None for an empty file."""
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        if end == 0:
            return None
        buffer, pos = b"", end
        while pos > 0:
            step = min(block, pos)
            pos -= step
            handle.seek(pos)
            buffer = handle.read(step) + buffer
            cut = buffer.rfind(b"\n", 0, len(buffer) - 1)
            if cut >= 0:
                return buffer[cut + 1 :]
        return buffer
