"""Explain why data fails a schema, one clear problem per place, pinned to a dotted path.

This is the slow path: it runs only after the compiled validator (``jit.validators``) said
no, and it imports jsonschema (about 0.1 s) only then. Messages are clauses in the style of
the policy engine's reasons: what is wrong, where, and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jit.findings import Finding
from jit.parse.values import Problem, quote
from jit.parse.yaml.loader import Loaded
from jit.validators import SchemaName, load_schema

#: Field name -> a check that explains a bad value of that field better than the schema can.
Overrides = Mapping[str, Callable[[str], Problem | None]]

_EXPECTED = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of keys to values",
    "null": "empty",
}


@dataclass(frozen=True)
class Issue:
    """One schema problem. ``path`` is dotted (``resources.db.max_duration``); ``at_key``
    pins it to the key at ``path`` (an unknown key) rather than to its value."""

    path: str
    code: str
    message: str
    at_key: bool = False


@cache
def _validator(name: SchemaName) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name))


def explain(name: SchemaName, data: object, overrides: Overrides | None = None) -> list[Issue]:
    """Every problem of ``data`` under schema ``name``, at most one per value, in path order."""
    issues: list[Issue] = []
    seen: set[tuple[str, bool]] = set()
    errors = sorted(_validator(name).iter_errors(data), key=lambda e: _dotted(e.absolute_path))
    for issue in _walk(errors, overrides or {}):
        several = issue.code in ("unknown-key", "missing-key")  # several may share a path
        place = (issue.path + (f"\0{issue.message}" if several else ""), issue.at_key)
        if place not in seen:
            seen.add(place)
            issues.append(issue)
    return issues


def _walk(errors: Iterable[Any], overrides: Overrides) -> Iterable[Issue]:
    for error in errors:
        if error.validator == "oneOf":
            yield from _walk(_matching_branch(error), overrides)
        else:
            yield from _issues(error, overrides)


def _matching_branch(error: Any) -> list[Any]:
    """For a ``kind``-tagged oneOf, the errors of the branch whose kind matches, else none
    (an unknown or missing kind is reported by its own enum or required error)."""
    branches: dict[int, list[Any]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    matching = [
        subs
        for subs in branches.values()
        if not any(s.validator == "const" and _last(s.absolute_path) == "kind" for s in subs)
    ]
    return matching[0] if len(matching) == 1 else []


def _issues(error: Any, overrides: Overrides) -> Iterable[Issue]:
    path = _dotted(error.absolute_path)
    keyword, value = error.validator, error.instance
    if keyword == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(error.schema.get("properties", {}))
        for key in value:
            if key not in allowed:
                yield Issue(_join(path, key), "unknown-key", _unknown(key, path, allowed), True)
    elif keyword == "required" and isinstance(value, dict):
        props = error.schema.get("properties", {})
        for key in error.validator_value:
            if key not in value:
                yield Issue(path, "missing-key", _missing(key, path, props.get(key, {})))
    elif "propertyNames" in error.relative_schema_path:
        yield Issue(
            _join(path, str(value)),
            "invalid-key",
            f"{quote(value)} is not a valid name here: use lower-case letters, digits, '.', "
            "'_' and '-', starting and ending with a letter or digit",
            True,
        )
    elif keyword == "type":
        yield Issue(path, "wrong-type", _wrong_type(path, value, error.validator_value, error))
    else:
        field = _last(error.absolute_path)
        check = overrides.get(field) if isinstance(field, str) else None
        problem = check(value) if check is not None and isinstance(value, str) else None
        if problem is not None:
            yield Issue(path, problem.code, problem.message)
        else:
            yield Issue(path, "invalid-value", _invalid(path, value, keyword, error))


def _unknown(key: str, path: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]}?" if close else f"the keys allowed are {', '.join(allowed)}"
    return f"unknown key {quote(key)} in {_name(path)}; {hint}"


def _missing(key: str, path: str, schema: Mapping[str, Any]) -> str:
    examples = schema.get("examples") or []
    example = examples[0] if examples and isinstance(examples[0], str | int) else "..."
    return f"{_name(path)} is missing the required key {key}; add `{key}: {example}`"


def _wrong_type(path: str, value: object, expected: object, error: Any) -> str:
    wanted = " or ".join(_EXPECTED.get(t, t) for t in _listed(expected))
    examples = error.schema.get("examples") or []
    scalar = isinstance(value, bool | int | float) and "string" in _listed(expected)
    if scalar and (_quoting_fixes(value, error.schema) or not examples):
        hint = "; put it in quotes to make it text"
    elif examples and isinstance(examples[0], str):
        hint = f"; write it like {examples[0]}"
    else:
        hint = ""
    return f"{_name(path)} must be {wanted}, but YAML read {_describe(value)}{hint}"


def _quoting_fixes(value: object, schema: Mapping[str, Any]) -> bool:
    """Whether the value, as text, would match the field's pattern (``ticket: 4711``)."""
    pattern = schema.get("pattern")
    return isinstance(pattern, str) and re.search(pattern, str(value)) is not None


def _invalid(path: str, value: object, keyword: str, error: Any) -> str:
    shown = quote(value) if isinstance(value, str) else _describe(value)
    return f"{_name(path)} is {shown}, which is not valid: {_reason(keyword, error)}"


def _reason(keyword: str, error: Any) -> str:
    limit, examples = error.validator_value, error.schema.get("examples")
    match keyword:
        case "enum":
            return "it must be one of " + ", ".join(str(v) for v in limit)
        case "const":
            return f"it must be {limit}"
        case "minLength":
            return "it must not be empty" if limit == 1 else f"it needs {limit}+ characters"
        case "maxLength":
            return f"it must be at most {limit} characters long"
        case "minimum":
            return f"it must be at least {limit}"
        case "maximum":
            return f"it must be at most {limit}"
        case "minItems":
            return "the list must not be empty" if limit == 1 else f"list {limit}+ entries"
        case "uniqueItems":
            return "an entry is listed twice; list each once"
        case "pattern" if examples:
            return f"write it like {examples[0]}"
        case "pattern":
            return f"it must match {limit}"
    return str(error.message)


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes, no, on, off, true and false are booleans in YAML)"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if value is None:
        return "an empty value"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"the text {quote(value)}"


def _listed(expected: object) -> list[str]:
    return [str(t) for t in expected] if isinstance(expected, list) else [str(expected)]


def _dotted(parts: Iterable[object]) -> str:
    return ".".join(str(p) for p in parts)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _last(parts: Sequence[object]) -> object:
    return parts[-1] if parts else None


def _name(path: str) -> str:
    return path or "the file"


def schema_findings(
    path: str, schema: SchemaName, loaded: Loaded, overrides: Overrides | None = None
) -> list[tuple[str, Finding]]:
    """Findings (with the dotted path each is about) for loaded data that failed ``schema``,
    pinned to the key or value they are about, in file order."""
    pairs = []
    for issue in explain(schema, loaded.data, overrides):
        table = loaded.key_positions if issue.at_key else loaded.positions
        line, column = _locate(issue.path, table, loaded.positions)
        pairs.append((issue.path, Finding(path, line, column, issue.code, "error", issue.message)))
    return sorted(pairs, key=lambda pair: (pair[1].line or 0, pair[1].column or 0))


def _locate(
    path: str, table: Mapping[str, tuple[int, int]], fallback: Mapping[str, tuple[int, int]]
) -> tuple[int | None, int | None]:
    """The position of ``path``, else of its nearest ancestor that has one."""
    while True:
        pos = table.get(path) or fallback.get(path)
        if pos is not None:
            return pos
        if not path:
            return None, None
        path = path.rpartition(".")[0]
