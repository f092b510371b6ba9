"""The event walk behind ``jit.parse.yaml.loader``: libyaml events -> dicts, lists and scalars, with
the (line, column) of every key and value, refusing anchors, aliases, tags, merge keys,
duplicate keys, complex keys, several documents, a non-mapping root and deep nesting."""

from __future__ import annotations

from typing import Any

import yaml
from yaml import events as ev

from jit.findings import Finding
from jit.parse.yaml.scalars import ScalarError, resolve_plain

#: Deeper nesting than this is not a jit file (and would only feed recursion elsewhere).
MAX_DEPTH = 32
#: A file with more problems than this is reported up to here (its first ones are enough).
MAX_FINDINGS = 20

Position = tuple[int, int]

_KEY_VALUE = "write it as `key: value` lines"
_MESSAGES = {
    "empty-file": f"the file is empty; {_KEY_VALUE}",
    "multiple-documents": "the file holds more than one YAML document (a second `---`); keep one",
    "yaml-anchor": "YAML anchors and aliases (&name, *name) are not allowed, since a reviewer "
    "would have to follow them to see what the file says; write each value out in full",
    "yaml-merge-key": "merge keys (<<) are not allowed; write each key out in full",
    "yaml-complex-key": "a key must be plain text, not a mapping or a list",
    "too-deep": f"values are nested more than {MAX_DEPTH} levels deep",
}


class Reject(Exception):
    """Stop walking the event stream; the finding is already recorded."""


def _pos(event: ev.Event) -> Position:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Frame:
    """An open mapping or sequence while walking events."""

    __slots__ = ("container", "key", "key_pos", "prefix")

    def __init__(self, container: dict[str, object] | list[object], path: str) -> None:
        self.container = container
        self.prefix = f"{path}." if path else ""
        self.key: str | None = None  # a mapping's pending key; None: expecting a key
        self.key_pos: Position = (0, 0)


class Builder:
    """Builds plain data and positions from events, recording findings."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.root: dict[str, object] | None = None
        self.positions: dict[str, Position] = {}
        self.key_positions: dict[str, Position] = {}
        self.findings: list[Finding] = []
        self.stack: list[_Frame] = []
        self.documents = 0

    def error(self, event: ev.Event, code: str, message: str = "", *, fatal: bool = True) -> None:
        line, column = _pos(event)
        message = message or _MESSAGES[code]
        self.findings.append(Finding(self.path, line, column, code, "error", message))
        if fatal or len(self.findings) >= MAX_FINDINGS:
            raise Reject

    def syntax_error(self, exc: yaml.YAMLError) -> None:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        problem = getattr(exc, "problem", None) or "it cannot be parsed"
        message = f"this is not valid YAML: {problem}; check the indentation and quoting here"
        self.findings.append(Finding(self.path, line, column, "yaml-syntax", "error", message))

    def run(self, parser: Any) -> None:
        """Walk the events. The common case (a plain, untagged scalar inside a mapping or
        list) is handled inline: this loop is the hot path of ``jit check``."""
        check_event, get_event = parser.check_event, parser.get_event
        positions, key_positions, stack = self.positions, self.key_positions, self.stack
        scalar_event, ends = ev.ScalarEvent, (ev.MappingEndEvent, ev.SequenceEndEvent)
        while check_event():
            event: Any = get_event()
            kind = type(event)
            if kind is not scalar_event or event.anchor or event.tag or not stack:
                if kind in ends:
                    stack.pop()
                else:
                    self.other(event)
                continue
            mark: Any = event.start_mark
            pos = (mark.line + 1, mark.column + 1)
            top = stack[-1]
            container = top.container
            key = top.key
            if key is None and type(container) is dict:  # a key
                key = event.value
                if key in container or key == "<<":
                    self.bad_key(event, top, key)
                top.key, top.key_pos = key, pos
                continue
            value: object = event.value
            if event.implicit[0]:
                try:
                    value = resolve_plain(event.value)
                except ScalarError as exc:
                    self.error(event, "invalid-number", str(exc))
            if key is None:  # a list item
                path = f"{top.prefix}{len(container)}"
                container.append(value)  # type: ignore[union-attr]
            else:
                path = top.prefix + key
                key_positions[path] = top.key_pos
                container[key] = value  # type: ignore[call-overload]
                top.key = None
            positions[path] = pos
        if self.documents == 0:
            self.findings.append(
                Finding(self.path, None, None, "empty-file", "error", _MESSAGES["empty-file"])
            )

    def other(self, event: ev.Event) -> None:
        if isinstance(event, ev.ScalarEvent):
            self.scalar(event)
        elif isinstance(event, ev.CollectionStartEvent):
            self.start(event, isinstance(event, ev.MappingStartEvent))
        elif isinstance(event, ev.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.error(event, "multiple-documents")
        elif isinstance(event, ev.AliasEvent):
            self.error(event, "yaml-anchor")

    def bad_key(self, event: ev.ScalarEvent, top: _Frame, key: str) -> None:
        if key == "<<" and event.implicit[0]:
            self.error(event, "yaml-merge-key")
        if key in top.container:
            first = self.key_positions[top.prefix + key][0]
            message = (
                f"the key {key!r} is already on line {first}; YAML would silently keep "
                "only the last one, so a reviewer could read another value than jit; "
                "keep one"
            )
            self.error(event, "duplicate-key", message, fatal=False)

    def check_node(self, event: ev.NodeEvent) -> None:
        if event.anchor is not None:
            self.error(event, "yaml-anchor")
        tag = getattr(event, "tag", None)
        if tag is not None:
            message = (
                f"the YAML tag {tag!r} is not allowed, since jit files hold plain keys and "
                "values; remove it (quote the value if it must be text)"
            )
            self.error(event, "yaml-tag", message, fatal=False)

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
        if len(self.stack) >= MAX_DEPTH:
            self.error(event, "too-deep")
        top = self.stack[-1]
        if type(top.container) is dict and top.key is None:
            self.error(event, "yaml-complex-key")
        container: dict[str, object] | list[object] = {} if is_mapping else []
        path = self.attach(top, container, pos, scalar=False)
        self.stack.append(_Frame(container, path))

    def scalar(self, event: ev.ScalarEvent) -> None:
        """A scalar with an anchor or a tag, or the root: all refused."""
        self.check_node(event)
        if not self.stack:
            if event.value == "" and event.implicit[0]:
                self.error(event, "empty-file")
            self.not_a_mapping(event, "a single value")
        top = self.stack[-1]
        if type(top.container) is dict and top.key is None:
            self.bad_key(event, top, event.value)
            top.key, top.key_pos = event.value, _pos(event)
        else:
            self.attach(top, event.value, _pos(event), scalar=True)

    def attach(self, top: _Frame, value: object, pos: Position, *, scalar: bool) -> str:
        """Put ``value`` into the open container; return its dotted path."""
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
        message = f"the file must be a mapping of keys to values (`requester: alice`), not {what}"
        self.error(event, "not-a-mapping", message)
