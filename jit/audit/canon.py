"""Canonical audit entries: one serialization, timestamps, sealing. Pure, no I/O.

One entry is one line of canonical JSON (sorted keys, no spaces, UTF-8, no ASCII escaping).

- ``hash`` is the SHA-256 of the entry's canonical line *without* the ``hash`` member. Because
  ``prev``, ``seq``, ``ts``, ``type`` and ``v`` sort after ``hash``, removing the bytes
  ``"hash":"<64 hex>",`` from a line gives exactly that serialization, so a verifier hashes
  raw bytes and never re-serializes.
- ``prev`` is the SHA-256 of the previous entry's whole line (without the newline), so any
  byte change anywhere breaks the next link; ``GENESIS`` (64 zeros) for the first entry.
- The *head* of a chain is ``(last seq, sha256 of the last line)``: the ``prev`` the next entry
  will carry. ``audit/HEAD`` records it, so cutting entries off the end is detected too.

See docs/adr/0003-audit-chain.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import NamedTuple

#: The format version new entries carry. 2 added ``reason``, ``ticket`` and ``not_before`` to
#: ``granted``; version 1 entries (written before) still verify and report.
VERSION = 2
#: Every version this verifier knows; an entry with any other ``v`` is malformed.
VERSIONS = (1, 2)
GENESIS = "0" * 64
#: Members the log assigns; payloads may not set them (nor use them as nested keys).
RESERVED = frozenset({"v", "seq", "ts", "prev", "hash"})
TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class Head(NamedTuple):
    """The end of a chain: the last ``seq`` and the SHA-256 of the last line."""

    seq: int
    hash: str


def canonical(obj: Mapping[str, object]) -> bytes:
    """The one serialization jit writes and hashes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def format_ts(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z`` and whole seconds; fixed width, so text order is time order."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"audit timestamps must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC).strftime(TS_FORMAT)


def parse_ts(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (``Z`` or an offset); the result is in UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no timezone; write it like 2026-11-03T14:05:09Z")
    return moment.astimezone(UTC)


def line_hash(line: bytes) -> str:
    """SHA-256 hex of one line without its newline: the next entry's ``prev``."""
    return hashlib.sha256(line).hexdigest()


def seal(
    payload: Mapping[str, object], *, seq: int, ts: str, prev: str
) -> tuple[dict[str, object], bytes]:
    """Return the entry (payload plus ``v``, ``seq``, ``ts``, ``prev``, ``hash``) and its line."""
    body: dict[str, object] = {**payload, "v": VERSION, "seq": seq, "ts": ts, "prev": prev}
    body["hash"] = hashlib.sha256(canonical(body)).hexdigest()
    return body, canonical(body)
