"""Hostile-input-safe YAML: bytes -> plain data with the position of every key, or findings.

A request file comes from anyone who can open a pull request, so this loader accepts only the
boring subset of YAML that a reviewer can read at a glance. It walks libyaml's event stream
(the C parser when PyYAML has it) and builds dicts, lists and scalars itself, rejecting what
the usual loaders accept silently: duplicate keys, anchors, aliases and merge keys, explicit
tags, several documents, a root that is not a mapping, invalid UTF-8, control and bidi
characters, and oversized files.
Nothing here raises for bad input; every problem is a ``Finding``.

Plain scalars resolve as in YAML 1.1 (``7200`` is an int, ``yes`` a bool, ``1:30:00`` the
int 5400) plus ``1e9`` as a float, so wrong types surface as schema errors; timestamps stay
strings so jit's own RFC 3339 check applies. Keys are always the text as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml import events as ev

from jit.findings import Finding
from jit.yamlscalars import ScalarError, resolve_plain

#: Request and policy files larger than this are rejected unread.
MAX_BYTES = 64 * 1024
#: Deeper nesting than this is not a jit file (and would only feed recursion elsewhere).
MAX_DEPTH = 32

try:  # libyaml's C parser: the fast path
    _Parser: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader

Position = tuple[int, int]


def _pos(event: ev.Event) -> Position:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


#: Bidirectional overrides and isolates ("Trojan Source"): text that displays reordered.
_BIDI = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
#: What YAML forbids (non-printable characters) plus the bidi controls above.
_FORBIDDEN_CHARS = re.compile(
    "[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
    "|[\u202a-\u202e\u2066-\u2069]"
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


class _Reject(Exception):
    """Stop walking the event stream; the finding is already recorded."""


def load_yaml(path: str, raw: bytes, *, max_bytes: int = MAX_BYTES) -> Loaded:
    """Parse ``raw`` (the content of ``path``) into a mapping, or explain why not."""
    if len(raw) > max_bytes:
        return _fail(
            path,
            None,
            "file-too-large",
            f"The file is {len(raw):,} bytes; jit reads at most {max_bytes:,} bytes per file. "
            "A request needs only a few lines; remove what is not needed.",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return _fail(
            path,
            (line, column),
            "invalid-utf8",
            f"The file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 text.",
        )
    bad = _FORBIDDEN_CHARS.search(text)
    if bad is not None:
        return _forbidden_char(path, text, bad.start())
    builder = _Builder(path)
    parser = _Parser(raw)
    try:
        builder.run(parser)
    except _Reject:
        pass
    except yaml.YAMLError as exc:
        builder.syntax_error(exc)
    finally:
        parser.dispose()
    if builder.findings:
        return Loaded(None, builder.positions, builder.key_positions, builder.findings)
    return Loaded(builder.root, builder.positions, builder.key_positions, [])


def _forbidden_char(path: str, text: str, index: int) -> Loaded:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    code = ord(text[index])
    if code in _BIDI:
        return _fail(
            path,
            (line, column),
            "bidi-control",
            f"The file contains the bidirectional control character U+{code:04X}, which can "
            "make it display differently from what it says; remove it.",
        )
    return _fail(
        path,
        (line, column),
        "control-character",
        f"The file contains the control character U+{code:04X}; remove it (YAML allows only "
        "printable characters, tabs and line breaks).",
    )


def _fail(path: str, pos: Position | None, code: str, message: str) -> Loaded:
    line, column = pos if pos else (None, None)
    return Loaded(None, findings=[Finding(path, line, column, code, "error", message)])


class _Frame:
    """An open mapping or sequence while walking events."""

    __slots__ = ("container", "key", "key_pos", "path", "prefix")

    def __init__(self, container: dict[str, object] | list[object], path: str) -> None:
        self.container = container
        self.path = path
        self.prefix = f"{path}." if path else ""
        self.key: str | None = None  # a mapping's pending key; None: expecting a key
        self.key_pos: Position = (0, 0)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.root: dict[str, object] | None = None
        self.positions: dict[str, Position] = {}
        self.key_positions: dict[str, Position] = {}
        self.findings: list[Finding] = []
        self.stack: list[_Frame] = []
        self.documents = 0

    # -- findings -------------------------------------------------------------------------

    def error(self, event: ev.Event, code: str, message: str, *, fatal: bool = True) -> None:
        line, column = _pos(event)
        self.findings.append(Finding(self.path, line, column, code, "error", message))
        if fatal:
            raise _Reject

    def syntax_error(self, exc: yaml.YAMLError) -> None:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = column = None
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "invalid YAML"
        self.findings.append(
            Finding(
                self.path,
                line,
                column,
                "yaml-syntax",
                "error",
                f"This is not valid YAML: {problem}. Check the indentation and quoting here.",
            )
        )

    # -- the walk ---------------------------------------------------------------------------

    def run(self, parser: yaml.CSafeLoader) -> None:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, ev.ScalarEvent):
                self.scalar(event)
            elif isinstance(event, ev.CollectionStartEvent):
                self.start(event, isinstance(event, ev.MappingStartEvent))
            elif isinstance(event, ev.CollectionEndEvent):
                self.stack.pop()
            elif isinstance(event, ev.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    self.error(
                        event,
                        "multiple-documents",
                        "The file holds more than one YAML document (a second `---`); "
                        "put one request in one file.",
                    )
            elif isinstance(event, ev.AliasEvent):
                self.reject_anchor(event, alias=True)
        if self.documents == 0:
            self.findings.append(
                Finding(
                    self.path,
                    None,
                    None,
                    "empty-file",
                    "error",
                    "The file is empty; write the request as `key: value` lines.",
                )
            )

    def check_node(self, event: ev.NodeEvent) -> None:
        if event.anchor is not None:
            self.reject_anchor(event, alias=False)
        tag = getattr(event, "tag", None)
        if tag is not None:
            self.error(
                event,
                "yaml-tag",
                f"The YAML tag {tag!r} is not allowed here; jit files are plain keys and "
                "values. Remove the tag (quote the value if it must be text).",
                fatal=False,
            )

    def reject_anchor(self, event: ev.NodeEvent, *, alias: bool) -> None:
        what = "alias" if alias else "anchor"
        self.error(
            event,
            "yaml-anchor",
            f"YAML {what}s (&name, *name) are not allowed: a reviewer would have to follow "
            "them to see what the file says. Write each value out in full.",
        )

    def start(self, event: ev.CollectionStartEvent, is_mapping: bool) -> None:
        self.check_node(event)
        pos = _pos(event)
        if not self.stack:
            if not is_mapping:
                self.not_a_mapping(event, "a list")
            self.root = {}
            self.positions[""] = pos
            self.stack.append(_Frame(self.root, ""))
            return
        container: dict[str, object] | list[object] = {} if is_mapping else []
        if len(self.stack) >= MAX_DEPTH:
            self.error(event, "too-deep", f"Values are nested more than {MAX_DEPTH} levels deep.")
        top = self.stack[-1]
        if type(top.container) is dict and top.key is None:
            self.error(
                event,
                "yaml-complex-key",
                "A key must be plain text, not a mapping or a list.",
            )
        path = self.attach(top, container, pos, scalar=False)
        self.stack.append(_Frame(container, path))

    def scalar(self, event: ev.ScalarEvent) -> None:
        self.check_node(event)
        pos = _pos(event)
        if not self.stack:
            if event.value == "" and event.implicit[0]:
                self.error(
                    event,
                    "empty-file",
                    "The file has no content; write the request as `key: value` lines.",
                )
            self.not_a_mapping(event, "a single value")
        top = self.stack[-1]
        container = top.container
        if type(container) is dict and top.key is None:
            key = event.value
            if key == "<<" and event.implicit[0]:
                self.error(
                    event,
                    "yaml-merge-key",
                    "Merge keys (<<) are not allowed; write each key out in full.",
                )
            if key in container:
                first = self.key_positions[top.prefix + key]
                self.error(
                    event,
                    "duplicate-key",
                    f"The key {key!r} appears twice (first on line {first[0]}); YAML would "
                    "silently keep only the last one. Keep one.",
                    fatal=False,
                )
            top.key = key
            top.key_pos = pos
            return
        value: object = event.value
        if event.implicit[0] and event.tag is None:
            try:
                value = resolve_plain(event.value)
            except ScalarError as exc:
                self.error(event, "invalid-number", str(exc))
        self.attach(top, value, pos, scalar=True)

    def attach(self, top: _Frame, value: object, pos: Position, *, scalar: bool) -> str:
        container = top.container
        if type(container) is dict:
            key = top.key
            assert key is not None
            path = top.prefix + key
            self.key_positions[path] = top.key_pos
            self.positions[path] = pos if scalar else top.key_pos
            container[key] = value
            top.key = None
        else:
            path = f"{top.prefix}{len(container)}"
            self.positions[path] = pos
            container.append(value)  # type: ignore[union-attr]
        return path

    def not_a_mapping(self, event: ev.NodeEvent, what: str) -> None:
        self.error(
            event,
            "not-a-mapping",
            f"The file must be a mapping of keys to values (`requester: alice`, ...), "
            f"but it is {what}.",
        )
