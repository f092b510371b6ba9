"""The hash chain verifier: one streaming pass over raw bytes, no JSON parsing. Pure.

The entry format is in ``jit.audit.canon`` (re-exported here). The walker checks, per line:
a single 64-hex ``hash`` that matches the line without it (else *edited*); ``seq`` is the next
number (else *removed* or *reordered*); ``prev`` is the SHA-256 of the previous line (else
*prev-mismatch*: the entry before was replaced, or the chain was rewritten from here); ``ts``
never goes back and falls in the file's month (else *misplaced*). At the end the chain must
stop exactly at the recorded head (else *truncated* or *head-mismatch*).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from jit.audit.canon import (
    GENESIS,
    RESERVED,
    VERSION,
    VERSIONS,
    Head,
    canonical,
    format_ts,
    line_hash,
    parse_ts,
    seal,
)
from jit.audit.entries import ENTRY_TYPES as TYPES

__all__ = [
    "GENESIS", "RESERVED", "VERSION", "VERSIONS", "Broken", "ChainWalker", "Head", "VerifyResult",
    "canonical", "format_ts", "line_hash", "parse_ts", "seal", "verify_lines",
]  # fmt: skip

_HASH_KEY = b'"hash":"'
_PREV_KEY = b'"prev":"'
_SEQ_KEY = b'"seq":'
_TS_KEY = b'"ts":"'
_TYPE_KEY = b'"type":"'
#: ``"v":<n>`` of each known version; a line holds one, followed by ``}`` or ``,``.
_VERSION_TAGS = tuple(b'"v":%d' % v for v in VERSIONS)
_VERSION_MARKS = tuple(tag + end for tag in _VERSION_TAGS for end in (b"}", b","))

_WHY = {
    "malformed": "the line is not an audit entry of a known version (v "
    + " or ".join(map(str, VERSIONS))
    + '; one "hash", "seq", "prev", "ts")',
    "edited": "its content does not match its own hash: it was changed after it was written",
    "truncated-line": "the file ends in the middle of this entry: it was cut short",
    "truncated-newline": "the file does not end with a newline: it was cut after this entry",
    "prev-mismatch": "its prev does not match the entry before it{before}: that entry was "
    "changed, or the chain was rewritten from here",
    "misplaced": "its time {ts} goes back or belongs in another month's file: entries were "
    "moved between files",
    "rewritten": "it differs from the entry {origin} recorded: the log was rewritten, with "
    "its hashes recomputed, {since}",
}

#: Called with (file, line number, line) for each intact entry whose type was asked for.
EntryHook = Callable[[str, int, bytes], None]


@dataclass(frozen=True)
class Broken:
    """Where the chain first breaks. ``seq`` is the position that is broken (the seq the entry
    at ``file:line_no`` should have). ``reason``: edited, removed, reordered, truncated,
    prev-mismatch, misplaced, malformed, head-mismatch or rewritten."""

    file: str
    line_no: int
    seq: int
    reason: str
    message: str

    def as_text(self) -> str:
        return f"{self.file}:{self.line_no}: seq {self.seq}: {self.reason}: {self.message}"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int  # intact entries before the first break (all of them when ok)
    first_broken: Broken | None
    head: Head | None  # the end of the intact part


class ChainWalker:
    """Verifies a chain fed file by file. ``hooks`` maps an entry type to a function that sees
    each intact entry of that type. ``checkpoints`` maps seq -> (line hash, who recorded it, e.g. "commit 1a2b3c"):
    each must match, or the log was rewritten after it was recorded.

    The links (each ``prev`` is the hash of the line before, the last line is the recorded
    head) pin every byte, so an entry's own ``hash`` is implied by an intact chain. It is
    checked where a link breaks, to tell an edited entry from a rewritten chain."""

    def __init__(
        self,
        *,
        hooks: Mapping[str, EntryHook] | None = None,
        checkpoints: Mapping[int, tuple[str, str]] | None = None,
    ) -> None:
        self._hooks = {kind.encode(): hook for kind, hook in (hooks or {}).items()}
        #: What follows "ts" on a well-formed line of each type -> its hook (or None).
        self._tails: dict[bytes, EntryHook | None] = {
            b'","type":"%s",%s}' % (kind, tag): self._hooks.get(kind)
            for kind in map(str.encode, TYPES)
            for tag in _VERSION_TAGS
        }
        self._checkpoints = dict(checkpoints or {})
        self.count = 0
        self._prev = GENESIS.encode()
        self._last_ts = b""
        self._last: tuple[str, int, bytes] = ("", 0, b"")  # the last intact entry
        self._file = ""  # the file fed last
        self._broken: Broken | None = None
        self._missing: int | None = None  # the seq skipped at a jump: removed, or later?
        self._missing_seen = False
        self._anchored: tuple[int, str] | None = None  # the last checkpoint that matched

    def feed(self, file: str, data: bytes, month: str | None = None) -> None:
        """Check one file's bytes; ``month`` (``YYYY-MM``) is the month the file is named for."""
        self._file = file
        if self._broken is not None:
            self._scan_for_missing(data)
            return
        if b"\r" in data:  # CRLF checkouts (core.autocrlf); canonical lines never hold a CR
            data = data.replace(b"\r\n", b"\n")
        lines = data.split(b"\n")
        tail = lines.pop()
        month_b = month.encode() if month is not None else None
        line_no = self._fast(file, lines, month_b)
        if line_no:
            self._scan_for_missing(b"\n".join(lines[line_no:]) + b"\n" + tail)
        elif tail:
            line_no = len(lines) + 1
            if self._check(file, line_no, tail, month_b):
                why = _WHY["truncated-newline"]
                self._break(file, line_no, self.count - 1, "truncated", why)
            elif (b := self._broken) is not None and b.reason in ("malformed", "edited"):
                why = _WHY["truncated-line"]
                self._broken = Broken(file, line_no, b.seq, "truncated", why)

    def _fast(self, file: str, lines: list[bytes], month: bytes | None) -> int:
        """The hot loop: one hash per line, fields found from the end of the line (where the
        sorted keys put them). Anything unusual goes to ``_check``, which diagnoses it.
        Returns the number of the line where the chain breaks, or 0."""
        sha256, tails, checkpoints = hashlib.sha256, self._tails, self._checkpoints
        expected, prev, last_ts = self.count, self._prev, self._last_ts
        for line_no, line in enumerate(lines, start=1):
            t = line.rfind(_TS_KEY)
            ts = line[t + 6 : t + 26]
            hook = tails.get(line[t + 26 :], _slow)
            if (
                hook is _slow
                or not line.endswith(b'"seq":%d,' % expected, 0, t)
                or line[(p := line.rfind(_PREV_KEY, 0, t)) + 8 : p + 72] != prev
                or p < 0
                or ts < last_ts
                or (month is not None and not line.startswith(month, t + 6))
                or (checkpoints and expected in checkpoints)
            ):
                if expected > self.count:  # the line before was accepted here
                    self._last = (file, line_no - 1, lines[line_no - 2])
                self.count, self._prev, self._last_ts = expected, prev, last_ts
                if not self._check(file, line_no, line, month):
                    return line_no
                expected, prev, last_ts = self.count, self._prev, self._last_ts
                continue
            if hook is not None:
                hook(file, line_no, line)
            expected, prev, last_ts = expected + 1, sha256(line).hexdigest().encode(), ts
        if lines and expected > self.count:
            self._last = (file, len(lines), lines[-1])
        self.count, self._prev, self._last_ts = expected, prev, last_ts
        return 0

    def _check(self, file: str, line_no: int, line: bytes, month: bytes | None) -> bool:
        """The careful path: check everything about one line and name what is wrong."""
        expected = self.count
        own = _own_hash_ok(line)
        if not own:
            reason = "malformed" if own is None else "edited"
            return self._break(file, line_no, expected, reason, _WHY[reason])
        seq = _int_after(line, _SEQ_KEY)
        prev = _str_after(line, _PREV_KEY, 64)
        ts = _str_after(line, _TS_KEY, 20)
        if (
            seq is None
            or prev is None
            or ts is None
            or not any(map(line.__contains__, _VERSION_MARKS))
        ):
            return self._break(file, line_no, expected, "malformed", _WHY["malformed"])
        if seq != expected:
            self._missing = expected
            reason = "removed" if seq > expected else "reordered"
            how = "an entry was removed here" if seq > expected else "entries were reordered"
            message = f"expected seq {expected}, found seq {seq}: {how}"
            return self._break(file, line_no, expected, reason, message)
        if prev != self._prev:
            last_file, last_no, last_line = self._last
            if expected and not _own_hash_ok(last_line):
                return self._break(last_file, last_no, expected - 1, "edited", _WHY["edited"])
            before = f" (seq {expected - 1}, {last_file}:{last_no})" if expected else ""
            message = _WHY["prev-mismatch"].format(before=before)
            return self._break(file, line_no, expected, "prev-mismatch", message)
        if ts < self._last_ts or (month is not None and ts[:7] != month):
            message = _WHY["misplaced"].format(ts=ts.decode())
            return self._break(file, line_no, expected, "misplaced", message)
        digest = hashlib.sha256(line).hexdigest()
        if expected in self._checkpoints:
            recorded, origin = self._checkpoints.pop(expected)
            if recorded != digest:
                since = "at or before this entry"
                if self._anchored is not None:
                    seq, by = self._anchored
                    since = f"after seq {seq} (which {by} still matches) and {since}"
                message = _WHY["rewritten"].format(origin=origin, since=since)
                return self._break(file, line_no, expected, "rewritten", message)
            self._anchored = (expected, origin)
        hook = self._hooks.get(_str_after(line, _TYPE_KEY, None) or b"")
        if hook is not None:
            hook(file, line_no, line)
        self.count, self._prev, self._last_ts = expected + 1, digest.encode(), ts
        self._last = (file, line_no, line)
        return True

    def _break(self, file: str, line_no: int, seq: int, reason: str, message: str) -> bool:
        if self._broken is None:
            self._broken = Broken(file, line_no, seq, reason, message)
        return False

    def _scan_for_missing(self, data: bytes) -> None:
        """After a seq jump, look for the skipped seq further on (then: reordered)."""
        if self._missing is None or self._missing_seen:
            return
        needle = _SEQ_KEY + str(self._missing).encode()
        start = data.find(needle)
        while start >= 0:
            end = start + len(needle)
            if data[end : end + 1] in (b",", b"}"):
                self._missing_seen = True
                return
            start = data.find(needle, end)

    def finish(
        self,
        recorded: Head | None,
        *,
        check_head: bool = True,
        where: tuple[str, int] | None = None,
    ) -> VerifyResult:
        """Close the walk against the recorded head (``audit/HEAD``; None when there is none).
        ``where`` is the position just past the end, named in truncation reports."""
        broken = self._chain_broken()
        if broken is None and check_head:
            broken = self._head_broken(
                recorded, where or (self._last[0] or self._file, self._last[1] + 1)
            )
        head = Head(self.count - 1, self._prev.decode()) if self.count else None
        return VerifyResult(broken is None, self.count, broken, head)

    def _chain_broken(self) -> Broken | None:
        b = self._broken
        if b is not None and b.reason == "removed" and self._missing_seen:
            why = f"entries were reordered (seq {b.seq} appears later)"
            message = b.message.replace("an entry was removed here", why)
            return Broken(b.file, b.line_no, b.seq, "reordered", message)
        return b

    def _head_broken(self, recorded: Head | None, where: tuple[str, int]) -> Broken | None:
        end = self.count - 1
        if recorded is None:
            if not self.count:
                return None
            why = f"the log has {self.count} entries but no HEAD checkpoint (restore audit/HEAD)"
            return Broken(*where, self.count, "head-mismatch", why)
        if recorded.seq > end:
            why = f"HEAD records seq {recorded.seq} but the log ends at seq {end}: entries were cut off the end"
            return Broken(*where, end + 1, "truncated", why)
        if recorded.seq < end:
            why = f"the log ends at seq {end} but HEAD records seq {recorded.seq}: entries were appended without HEAD, or HEAD was rolled back"
            return Broken(*where, end, "head-mismatch", why)
        if recorded.hash.encode() != self._prev:
            last_file, last_no, last_line = self._last
            if not _own_hash_ok(last_line):
                return Broken(last_file, last_no, end, "edited", _WHY["edited"])
            why = "the last entry is not the one HEAD records: it was replaced"
            return Broken(last_file, last_no, end, "head-mismatch", why)
        if self._checkpoints:
            seq = min(self._checkpoints)
            origin = self._checkpoints[seq][1]
            why = f"{origin} recorded the log up to seq {seq}, but it now ends at seq {end}: entries were cut off and HEAD rewritten"
            return Broken(*where, end + 1, "truncated", why)
        return None


def verify_lines(
    lines: Iterable[bytes], recorded: Head | None = None, *, file: str = "<lines>"
) -> VerifyResult:
    """Verify lines (without their newlines) in chain order. With ``recorded`` (the HEAD
    checkpoint) the chain must end exactly there; without it the end is not checked."""
    walker = ChainWalker()
    walker.feed(file, b"".join(line + b"\n" for line in lines))
    return walker.finish(recorded, check_head=recorded is not None)


def _slow(file: str, line_no: int, line: bytes) -> None:
    """A marker, never called: this line's type or layout is unusual; take the careful path."""


def _own_hash_ok(line: bytes) -> bool | None:
    """Whether the line's ``hash`` matches the line without it; None if it has none."""
    i = line.find(_HASH_KEY)
    if i < 0 or line[i + 72 : i + 74] != b'",':
        return None
    return hashlib.sha256(line[:i] + line[i + 74 :]).hexdigest().encode() == line[i + 8 : i + 72]


def _int_after(line: bytes, key: bytes) -> int | None:
    start = line.find(key)
    if start < 0:
        return None
    start += len(key)
    digits = line[start : line.find(b",", start)]
    return int(digits) if digits.isdigit() else None


def _str_after(line: bytes, key: bytes, width: int | None) -> bytes | None:
    start = line.find(key)
    if start < 0:
        return None
    start += len(key)
    end = line.find(b'"', start)
    if end < 0 or (width is not None and end - start != width):
        return None
    return line[start:end]
