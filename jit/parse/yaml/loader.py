"""Hostile-input-safe YAML: bytes -> plain data with the position of every key, or findings.

A request file comes from anyone who can open a pull request, so this loader accepts only the
boring subset of YAML that a reviewer can read at a glance. It walks libyaml's event stream
(the C parser when PyYAML has it) and builds dicts, lists and scalars itself, rejecting what
the usual loaders accept silently: duplicate keys, anchors, aliases and merge keys, explicit
tags, several documents, a root that is not a mapping, invalid UTF-8, control and bidi
characters, and oversized files. Nothing here raises for bad input; every problem is a
``Finding``. The walk itself is in ``jit.parse.yaml.events``.

Plain scalars resolve as in YAML 1.1 (``7200`` is an int, ``yes`` a bool; see
``jit.parse.yaml.scalars``) so wrong types surface as schema errors; timestamps stay strings so
jit's own RFC 3339 check applies. Keys are always the text as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from jit.findings import Finding
from jit.parse.yaml.events import MAX_DEPTH, MAX_FINDINGS, Builder, Position, Reject

#: Request files larger than this are rejected unread.
MAX_BYTES = 64 * 1024

try:  # libyaml's C parser, events only (no constructor or resolver): the fast path
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader  # type: ignore[assignment,misc]

#: Bidirectional overrides and isolates ("Trojan Source"): text that displays reordered.
_BIDI = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
#: What YAML forbids (non-printable characters; surrogates cannot survive strict UTF-8
#: decoding) plus the bidi controls above.
_FORBIDDEN_CHARS = re.compile(
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x84\\x86-\\x9f\\ufffe\\uffff"
    "\\u202a-\\u202e\\u2066-\\u2069]"
)


@dataclass(frozen=True)
class Loaded:
    """The result of loading one file. ``data`` is None whenever ``findings`` has an error.

    ``positions`` maps a dotted key path (``duration``, ``resources.prod-db.max_duration``,
    ``resources.prod-db.eligible.0``) to the 1-based (line, column) of its value when that is
    a scalar, else of its key; ``""`` is the document root. ``key_positions`` has the keys.
    """

    data: dict[str, object] | None
    positions: dict[str, Position] = field(default_factory=dict)
    key_positions: dict[str, Position] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def load_yaml(path: str, raw: bytes, *, max_bytes: int = MAX_BYTES) -> Loaded:
    """Parse ``raw`` (the content of ``path``) into a mapping, or explain why not."""
    if len(raw) > max_bytes:
        return _fail(
            path,
            None,
            "file-too-large",
            f"the file is {len(raw):,} bytes; jit reads at most {max_bytes:,} bytes per file",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw, exc.start, b"\n")
        return _fail(
            path,
            (line, column),
            "invalid-utf8",
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 text",
        )
    bad = _FORBIDDEN_CHARS.search(text)
    if bad is not None:
        code = ord(text[bad.start()])
        return _fail(
            path,
            _line_column(text, bad.start(), "\n"),
            "bidi-control" if code in _BIDI else "control-character",
            f"the file contains the {'bidirectional ' if code in _BIDI else ''}control "
            f"character U+{code:04X}, which can hide what the text says; remove it",
        )
    builder = Builder(path)
    parser = _Parser(raw)
    try:
        builder.run(parser)
    except Reject:
        pass
    except yaml.YAMLError as exc:
        builder.syntax_error(exc)
    finally:
        parser.dispose()
    if builder.findings:
        return Loaded(None, builder.positions, builder.key_positions, builder.findings)
    return Loaded(builder.root, builder.positions, builder.key_positions, [])


def _line_column(text: str | bytes, index: int, newline: str | bytes) -> Position:
    start = text.rfind(newline, 0, index) + 1  # type: ignore[arg-type]
    return text.count(newline, 0, index) + 1, index - start + 1  # type: ignore[arg-type]


def _fail(path: str, pos: Position | None, code: str, message: str) -> Loaded:
    line, column = pos if pos else (None, None)
    return Loaded(None, findings=[Finding(path, line, column, code, "error", message)])


__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_FINDINGS", "Loaded", "Position", "load_yaml"]
