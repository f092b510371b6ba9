"""``jit audit export --format ndjson``: the log as one JSON object per event, for a SIEM. Pure.

Each event is the entry exactly as jit wrote it (member names are the entry contract of
``jit.audit.entries``; ``schemas/audit-event.schema.json`` documents them) plus ``cursor``:
``<seq>:<sha256 of the entry's line>``. A shipper stores the last cursor it sent and passes
it back to resume after it. The hash makes a cursor specific to this log: after a rewrite,
or against another repository, the cursor no longer matches and export refuses to guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from jit.audit.canon import line_hash
from jit.errors import JitError

_CURSOR = re.compile(r"(0|[1-9][0-9]*):([0-9a-f]{64})")


class CursorError(JitError):
    """The cursor is not one this log wrote."""


@dataclass(frozen=True)
class Cursor:
    seq: int
    hash: str  # SHA-256 of the line at ``seq``

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def parse_cursor(text: str) -> Cursor:
    match = _CURSOR.fullmatch(text.strip())
    if match is None:
        raise CursorError(
            f"cursor {text.strip()[:80]!r} is not '<seq>:<64 hex>' (as export printed it, "
            "e.g. 26:6a3f...); pass the cursor of the last event you shipped"
        )
    return Cursor(int(match[1]), match[2])


def events(
    lines: Iterable[tuple[str, bytes]], after: Cursor | None = None
) -> Iterator[tuple[Cursor, str]]:
    """``(cursor, NDJSON line ending in a newline)`` per entry after ``after`` (all when None).

    ``lines`` are ``(where, raw line)`` in chain order from a log that verified. Raises
    ``CursorError`` when ``after`` does not name an entry of this log."""
    matched = after is None
    for where, raw in lines:
        entry = json.loads(raw)
        seq = entry.get("seq")
        digest = line_hash(raw)
        if after is not None and seq == after.seq:
            if digest != after.hash:
                raise CursorError(
                    f"cursor {after}: the entry at seq {after.seq} ({where}) is now "
                    f"{digest[:16]}..., not {after.hash[:16]}...: the log was rewritten since "
                    "that cursor was stored, or it comes from another repository. Run `jit "
                    "audit verify`; export everything again with no --since if that is right"
                )
            matched = True
            continue
        if not matched:
            continue
        cursor = Cursor(int(seq), digest)
        event = {"cursor": str(cursor), **entry}
        yield cursor, json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
    if not matched:
        assert after is not None
        raise CursorError(
            f"cursor {after}: the log has no entry at seq {after.seq}; it is ahead of the "
            "log, or from another repository"
        )
