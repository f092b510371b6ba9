"""``jit request``: a request file written safely from flags, its name, and its pull request.

Every value is written so that it reads back exactly as given (``scalar``): anything that is
not a plain word goes in a YAML double-quoted string with every quote, backslash, line break,
control, format and non-character escaped, so no text can end the value, add a key or start
another document. The file then passes through the same loader and checks as ``jit check``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

#: Words YAML 1.1 reads as booleans or null; written quoted.
_YAML_WORDS = frozenset(
    "y n yes no on off true false null ~".split()  # noqa: SIM905 - easier to read
)
_PLAIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*|[0-9]+[dhms](?:[0-9]+[dhms])*")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
#: Code points written as escapes: line breaks YAML knows (NEL, LS, PS), controls, the BOM
#: and the bidirectional controls that make text read differently from what it is.
_UNSAFE_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff0-\uffff\ud800-\udfff]"
)


def scalar(text: str) -> str:
    """``text`` as a YAML scalar that the loader reads back as exactly ``text``."""
    if _PLAIN_RE.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _UNSAFE_RE.match(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@dataclass(frozen=True)
class Draft:
    """What the requester asked for, as given on the command line."""

    requester: str
    resource: str
    duration: str
    reason: str
    ticket: str | None = None
    not_before: str | None = None


def render(draft: Draft) -> str:
    """The request file's text."""
    lines = [
        "# yaml-language-server: $schema=../../schemas/request.schema.json",
        "# Written by jit request.",
        f"requester: {scalar(draft.requester)}",
        f"resource: {scalar(draft.resource)}",
        f"duration: {scalar(draft.duration)}",
        f"reason: {scalar(draft.reason)}",
    ]
    if draft.ticket is not None:
        lines.append(f"ticket: {scalar(draft.ticket)}")
    if draft.not_before is not None:
        lines.append(f"not_before: {scalar(draft.not_before)}")
    return "\n".join(lines) + "\n"


def slug(text: str, limit: int) -> str:
    """Lowercase letters, digits and single hyphens, at most ``limit`` characters."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:limit].rstrip("-")


def request_name(draft: Draft, now: datetime, taken: Collection[str]) -> str:
    """A readable name no file of the requester has: the ticket (or else the resource) and
    the date, with ``-2``, ``-3`` ... when that is taken, e.g. ``inc-4711-20261203``; always
    within the request-name rule (``jit.parse.values.REQUEST_NAME_RE``, 64 characters)."""
    base = slug(draft.ticket or "", 40) or slug(draft.resource, 40) or "request"
    name = f"{base}-{now:%Y%m%d}"
    number = 1
    while name in taken:
        number += 1
        name = f"{base}-{now:%Y%m%d}-{number}"
    return name


def branch_name(requester: str, name: str) -> str:
    return f"jit/{requester.lower()}/{name}"


def pull_title(draft: Draft) -> str:
    return f"Access request: {draft.resource} for {draft.duration} ({draft.requester})"


def pull_body(path: str) -> str:
    """The PR's description. The reason stays in the file, where jit reads it; the plan
    comment shows it to the approvers."""
    return (
        f"Adds `{path}`, written by `jit request`. The jit validator posts the plan and asks "
        "the approvers for their review; access starts when this is merged with every "
        "approval (or at `not_before`)."
    )


def release_title(request_id: str) -> str:
    return f"Hand back access: delete {request_id}"


def release_body(path: str) -> str:
    return (
        f"Deletes `{path}`, written by `jit release`: merging this ends the access now "
        "(the next reconcile run revokes it)."
    )


def request_path(given: str) -> str | None:
    """``requests/<login>/<name>.yaml`` from a request id, path or ``<login>/<name>``; None
    when ``given`` is none of them (a bare name is resolved by the caller, who knows me)."""
    text = given.strip().removeprefix("./").removesuffix(".yaml")
    parts = text.split("/")
    if len(parts) == 3 and parts[0] == "requests":
        parts = parts[1:]
    if len(parts) != 2 or not all(parts):
        return None
    return f"requests/{parts[0]}/{parts[1]}.yaml"
